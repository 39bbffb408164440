"""Integration tests of the project broker: mosquitto.conf, provisioning, ACLs, persistence."""
