"""`exam-engine simulate`: a sitting of simulated candidates speaking the real terminal
protocol (HTTP login and package, Socket.IO answers), checked against the database."""
