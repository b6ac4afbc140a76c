-- Apicurio Registry stores its schemas in the same server, in its own database.
create database registry;
