// Sends one message the way Ghost does with an exported config.production.json mail block:
// Ghost 5/6 GhostMailer hands config.mail.options to Nodemailer's createTransport for the
// "SMTP" transport and uses config.mail.from as the sender.
//   node ghost_send.cjs CONFIG.json TO SUBJECT
"use strict";
const fs = require("fs");
const nodemailer = require("nodemailer");

const { mail } = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
if (mail.transport !== "SMTP") throw new Error(`unexpected transport ${mail.transport}`);
const options = { ...mail.options, connectionTimeout: 15000, greetingTimeout: 15000 };
if (options.auth && options.auth.pass === undefined) options.auth.pass = process.env.SMTP_PASSWORD;
nodemailer
  .createTransport(options)
  .sendMail({ from: mail.from, to: process.argv[3], subject: process.argv[4], text: "sent by the export test\n" })
  .then((info) => console.log(JSON.stringify({ accepted: info.accepted })))
  .catch((error) => {
    console.error(String(error));
    process.exit(1);
  });
