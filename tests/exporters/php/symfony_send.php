<?php
// Sends one message with Symfony Mailer through an exported MAILER_DSN line:
// php symfony_send.php EXPORT.env TO SUBJECT FROM_ADDRESS FROM_NAME
require '/usr/share/php/Symfony/Component/Dotenv/autoload.php';
require '/usr/share/php/Symfony/Component/Mailer/autoload.php';

use Symfony\Component\Dotenv\Dotenv;
use Symfony\Component\Mailer\Mailer;
use Symfony\Component\Mailer\Transport;
use Symfony\Component\Mime\Address;
use Symfony\Component\Mime\Email;

$env = (new Dotenv())->parse(file_get_contents($argv[1]));
$mailer = new Mailer(Transport::fromDsn($env['MAILER_DSN']));
$mailer->send(
    (new Email())
        ->from(new Address($argv[4], $argv[5]))
        ->to($argv[2])
        ->subject($argv[3])
        ->text("sent by the export test\n")
);
echo "sent\n";
