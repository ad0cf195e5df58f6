"""Items, banks, exam profiles and blueprints (kisi-kisi), and per-candidate form assembly."""
