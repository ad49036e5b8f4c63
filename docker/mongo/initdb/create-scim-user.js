/* global db -- mongosh provides the database handle */
// Runs once, on the first start of an empty MongoDB volume (the mongo image's /docker-entrypoint-initdb.d): the
// server's own database user, allowed to read and write the `scim` database and nothing else.
db.getSiblingDB('scim').createUser({
  user: 'scim',
  pwd: process.env.SCIM_DB_PASSWORD,
  roles: [{ role: 'readWrite', db: 'scim' }],
});
