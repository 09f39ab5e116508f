// Sends one message through an exported transport: node send.cjs EXPORT.cjs TO SUBJECT
"use strict";
const path = require("path");
const nodemailer = require("nodemailer");
const { transport, defaults } = require(path.resolve(process.argv[2]));

nodemailer
  .createTransport(transport, defaults)
  .sendMail({ to: process.argv[3], subject: process.argv[4], text: "sent by the export test\n" })
  .then((info) => console.log(JSON.stringify({ accepted: info.accepted })))
  .catch((error) => {
    console.error(String(error));
    process.exit(1);
  });
