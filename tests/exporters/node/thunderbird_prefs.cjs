// Loads a Thunderbird profile the way Thunderbird does and resolves each identity's outgoing
// server with SmtpService's own logic (comm-central mailnews/compose/src/SmtpService.sys.mjs,
// Thunderbird 128-153: _getSmtpServerKeys, getServerByKey, getServerByIdentity, defaultServer).
// Preferences.cpp reads prefs.js first and user.js after it, so user.js wins.
// Usage: node thunderbird_prefs.cjs PROFILE_DIR  -> JSON on stdout
"use strict";
const fs = require("fs");
const path = require("path");

const prefs = {};
const user_pref = (name, value) => { prefs[name] = value; };
for (const file of ["prefs.js", "user.js"]) {
  const full = path.join(process.argv[2], file);
  if (fs.existsSync(full)) {
    new Function("user_pref", fs.readFileSync(full, "utf8"))(user_pref);
  }
}
const getCharPref = (name, fallback) => (name in prefs ? String(prefs[name]) : fallback);

const keys = getCharPref("mail.smtpservers", "").split(",").filter(Boolean);
const servers = keys.map(key => ({
  key,
  hostname: getCharPref(`mail.smtpserver.${key}.hostname`, ""),
  port: prefs[`mail.smtpserver.${key}.port`] ?? 0,
  try_ssl: prefs[`mail.smtpserver.${key}.try_ssl`] ?? 0,
  username: getCharPref(`mail.smtpserver.${key}.username`, ""),
}));
const getServerByKey = key => servers.find(s => s.key == key);
const defaultKey = getCharPref("mail.smtp.defaultserver", "");
const defaultServer = defaultKey ? getServerByKey(defaultKey) : servers[0];

const identities = {};
for (const name of Object.keys(prefs)) {
  const match = /^mail\.identity\.([^.]+)\.useremail$/.exec(name);
  if (!match) continue;
  const serverKey = getCharPref(`mail.identity.${match[1]}.smtpServer`, "");
  const server = serverKey ? getServerByKey(serverKey) : defaultServer;
  identities[match[1]] = server ? server.key : null;
}
console.log(JSON.stringify({ keys, servers, identities, defaultServer: defaultServer?.key ?? null }));
