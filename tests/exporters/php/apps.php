<?php
// Reads an exported PHP app file the way the app itself does, then either prints what the app
// hands its mailer (JSON) or sends one message with that mailer:
//   php apps.php APP EXPORT.php            -> JSON
//   php apps.php APP EXPORT.php TO SUBJECT -> sends
// APP is fluentsmtp, joomla (PHPMailer, Debian's libphp-phpmailer) or drupal, nextcloud
// (Symfony Mailer, Debian's php-symfony-mailer 5.4). Each app's own logic is quoted below.
require '/usr/share/php/libphp-phpmailer/autoload.php';
require '/usr/share/php/Symfony/Component/Mailer/autoload.php';

use PHPMailer\PHPMailer\PHPMailer;
use Symfony\Component\Mailer\Mailer;
use Symfony\Component\Mailer\Transport;
use Symfony\Component\Mailer\Transport\Dsn;
use Symfony\Component\Mailer\Transport\Smtp\EsmtpTransport;
use Symfony\Component\Mime\Address;
use Symfony\Component\Mime\Email;

[, $app, $file] = $argv;
$to = $argv[3] ?? null;
$subject = $argv[4] ?? null;
$body = "sent by the export test\n";

function send_phpmailer(PHPMailer $m, ?string $to, ?string $subject, string $body): void {
    if ($to === null) {
        echo json_encode(['host' => $m->Host, 'port' => (int) $m->Port, 'user' => $m->Username,
            'pass' => $m->Password, 'auth' => $m->SMTPAuth, 'secure' => $m->SMTPSecure,
            'autotls' => $m->SMTPAutoTLS, 'from' => $m->From, 'name' => $m->FromName,
            'mailer' => $m->Mailer], JSON_UNESCAPED_UNICODE);
        return;
    }
    $m->CharSet = PHPMailer::CHARSET_UTF8;
    $m->addAddress($to);
    $m->Subject = $subject;
    $m->Body = $body;
    $m->Timeout = 15;
    $m->send();
    echo "sent\n";
}

function send_symfony(EsmtpTransport $t, string $from, string $name, array $extra, ?string $to, ?string $subject, string $body): void {
    if ($to === null) {
        $stream = $t->getStream();
        echo json_encode(['host' => $stream->getHost(), 'port' => $stream->getPort(),
            'tls' => $stream->isTLS(), 'user' => $t->getUsername(), 'pass' => $t->getPassword(),
            'from' => $from, 'name' => $name] + $extra, JSON_UNESCAPED_UNICODE);
        return;
    }
    (new Mailer($t))->send((new Email())->from(new Address($from, $name))->to($to)
        ->subject($subject)->text($body));
    echo "sent\n";
}

switch ($app) {
case 'fluentsmtp':
    // FluentSMTP 2.2 app/Services/Mailer/Providers/Smtp/Handler.php setSettings() + postSend().
    include $file;
    $settings = $smtpwizard_fluentsmtp;
    if (($settings['key_store'] ?? '') == 'wp_config') {
        $settings['username'] = defined('FLUENTMAIL_SMTP_USERNAME') ? FLUENTMAIL_SMTP_USERNAME : '';
        $settings['password'] = defined('FLUENTMAIL_SMTP_PASSWORD') ? FLUENTMAIL_SMTP_PASSWORD : '';
    }
    $m = new PHPMailer(true);
    $m->SMTPAutoTLS = $settings['auto_tls'] != 'no';
    $m->isSMTP();
    $m->Host = $settings['host'];
    $m->Port = $settings['port'];
    if ($settings['auth'] == 'yes') {
        $m->SMTPAuth = true;
        $m->Username = $settings['username'];
        $m->Password = $settings['password'];
    }
    $encryption = $settings['encryption'];
    $m->SMTPSecure = $encryption != 'none' ? $encryption : '';
    // FluentSMTP forces its sender_email, and the name when force_from_name is 'yes'.
    $m->setFrom($settings['sender_email'], $settings['force_from_name'] == 'yes' ? $settings['sender_name'] : '');
    send_phpmailer($m, $to, $subject, $body);
    break;
case 'joomla':
    // Joomla 5 libraries/src/Mail/MailerFactory::createMailer() and Mail::useSmtp().
    include $file;
    $c = new JConfig();
    $m = new PHPMailer(true);
    $auth = ($c->smtpauth == 0) ? null : 1;
    $m->SMTPAuth = (bool) $auth;
    $m->Host = $c->smtphost;
    $m->Username = $c->smtpuser;
    $m->Password = $c->smtppass;
    $m->Port = $c->smtpport;
    if ($c->smtpsecure === 'ssl' || $c->smtpsecure === 'tls') {
        $m->SMTPSecure = $c->smtpsecure;
    }
    if ($c->mailer === 'smtp') {
        $m->isSMTP();
    }
    $m->setFrom($c->mailfrom, $c->fromname);
    send_phpmailer($m, $to, $subject, $body);
    break;
case 'drupal':
    // Drupal 10.3+ core/lib/Drupal/Core/Mailer/TransportServiceFactoryTrait::createTransport():
    // new Dsn(scheme, host, user, password, port, options), then Transport::fromDsnObject().
    $config = [];
    include $file;
    $d = $config['system.mail']['mailer_dsn'];
    $dsn = new Dsn($d['scheme'], $d['host'], $d['user'], $d['password'], $d['port'], $d['options']);
    $t = (new Transport(Transport::getDefaultFactories()))->fromDsnObject($dsn);
    send_symfony($t, $config['system.site']['mail'], '', ['scheme' => $d['scheme'],
        'options' => (object) $d['options'], 'interface' => $config['system.mail']['interface']['default']],
        $to, $subject, $body);
    break;
case 'nextcloud':
    // Nextcloud lib/private/Mail/Mailer.php getSmtpInstance() (Nextcloud 27-31).
    include $file;
    $c = $CONFIG;
    $secure = (($c['mail_smtpsecure'] ?? null) === 'ssl') ? true : null;
    $t = new EsmtpTransport($c['mail_smtphost'] ?? '127.0.0.1', $c['mail_smtpport'] ?? 25, $secure);
    $t->getStream()->setTimeout($c['mail_smtptimeout'] ?? 10);
    if ($c['mail_smtpauth'] ?? false) {
        $t->setUsername($c['mail_smtpname'] ?? '');
        $t->setPassword($c['mail_smtppassword'] ?? '');
    }
    $from = $c['mail_from_address'] . '@' . $c['mail_domain'];
    send_symfony($t, $from, '', ['secure' => $c['mail_smtpsecure'], 'mode' => $c['mail_smtpmode']], $to, $subject, $body);
    break;
default:
    fwrite(STDERR, "unknown app $app\n");
    exit(2);
}
