<?php
// Sends one message through an exported PHPMailer snippet: php send.php EXPORT.php TO SUBJECT
require '/usr/share/php/libphp-phpmailer/autoload.php';
require $argv[1];

$mail = new PHPMailer\PHPMailer\PHPMailer(true); // throws on any failure
smtpwizard_configure($mail);
$mail->addAddress($argv[2]);
$mail->Subject = $argv[3];
$mail->Body = "sent by the export test\n";
$mail->send();
echo "sent\n";
