"""Every outcome of a check, in plain words: a stable code, a title, an explanation and a fix.

The texts are for people who do not know what STARTTLS is. They are format strings; the
diagnosis fills in {host}, {port}, {security}, {username}, {reply}, {names}, {fingerprint}.
docs/diagnosis-codes.md is generated from this table (scripts/gen_diagnosis_docs.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from .oauth_texts import OAUTH_TEXTS


@dataclass(frozen=True, slots=True)
class Entry:
    title: str
    explanation: str
    fix: str


CATALOGUE: dict[str, Entry] = {
    "ok": Entry(
        "Everything works",
        "We connected to {host} on port {port}, secured the connection and the server accepted "
        "everything we asked.",
        "Nothing to fix. You can save these settings and use them in your mail program.",
    ),
    "dns_not_found": Entry(
        "The server name does not exist",
        "We could not find a server called {host}. The name may be misspelled, or it may not "
        "have been set up yet.",
        "Check the spelling of the server name (your provider's help pages list it). If you "
        "just changed your domain's settings, they can take a few hours to reach everyone.",
    ),
    "connection_refused": Entry(
        "The server does not accept connections on this port",
        "{host} answered, but nothing is listening on port {port}. The port number is probably "
        "wrong for this server.",
        "Try port 587 with STARTTLS, or 465 with SSL/TLS: one of them works with almost every "
        "provider.",
    ),
    "timeout": Entry(
        "The server did not answer in time",
        "We waited for {host} on port {port}, but nothing came back. Most often a firewall, your "
        "internet provider or your web host blocks this port (port 25 above all), or the server "
        "name is wrong.",
        "Try port 587 with STARTTLS, then 465 with SSL/TLS, then 2525. If none answers, ask your "
        "hosting or internet provider whether outgoing mail ports are blocked.",
    ),
    "offline": Entry(
        "You seem to be offline",
        "We could not look up {host}: {why}. This happens when the computer has no working "
        "internet connection or its DNS service (the name server) is down; it does not mean "
        "the name is wrong.",
        "Check your internet connection (open any website), then test again. On a company or "
        "hotel network, ask whether outside name lookups are blocked.",
    ),
    "network_unreachable": Entry(
        "Your computer cannot reach that network",
        "Your computer has no route to {host}. You may be offline, or the address is on a "
        "network you cannot reach from here.",
        "Check your internet connection (open any website), then try again.",
    ),
    "wrong_security": Entry(
        "The encryption setting does not match this port",
        "The server on port {port} expects a different kind of encryption from the one chosen "
        "({security}).",
        "Switch the encryption to {suggested_security} and test again.",
    ),
    "tls_handshake_failed": Entry(
        "A secure connection could not be set up",
        "{host} and this computer could not agree on how to encrypt the connection. The server "
        "may use outdated encryption, or something on the network interfered.",
        "Try the other encryption setting (port 465 with SSL/TLS or port 587 with STARTTLS). If "
        "it keeps failing, tell your provider their mail server's encryption looks outdated.",
    ),
    "cert_untrusted": Entry(
        "The server's certificate is not from a trusted authority",
        "{host} proved its identity with a certificate that no trusted authority vouches for "
        "(often a self-signed certificate on a small or private server). It could also mean "
        "someone is intercepting the connection.",
        "If this is your own or your company's server and the fingerprint below matches the one "
        "your administrator gives you, you can choose to trust exactly this certificate. "
        "Otherwise, ask your provider for the correct server name.",
    ),
    "cert_hostname_mismatch": Entry(
        "The certificate belongs to a different name",
        "The server's certificate is valid for {names}, not for {host}. This is usual with shared "
        "web hosting: the mail server uses the hosting company's name.",
        "Use the name from the certificate as the server name instead.",
    ),
    "cert_no_san": Entry(
        "The server's certificate names no server",
        '{host}\'s certificate gives its name only in an old-style field ("{subject}") and '
        "lists no server names at all. Modern mail programs refuse such certificates, "
        "because they cannot tell which server it was made for.",
        "Ask your provider (or whoever runs the server) to replace the certificate with one "
        "that lists the server's name; certificates from any public authority do.",
    ),
    "cert_expired": Entry(
        "The server's certificate has expired",
        "{host}'s certificate expired on {not_after}. Until the provider renews it, connections "
        "to it cannot be trusted.",
        "Tell your provider (or whoever runs the server) that its certificate has expired. Do "
        "not turn off certificate checks to get around it.",
    ),
    "cert_changed": Entry(
        "The server's certificate has changed",
        "You chose to trust one particular certificate for {host}, but the server now shows a "
        "different one (fingerprint {fingerprint}). This happens when a certificate is renewed, "
        "but it can also mean someone is intercepting the connection. We did not sign in.",
        "Ask your administrator whether the certificate was renewed and compare fingerprints. "
        "Only if they match, trust the new certificate.",
    ),
    "starttls_unavailable": Entry(
        "The server does not offer encryption on this port",
        "{host} did not offer STARTTLS, the step that encrypts the connection. Without it your "
        "password would travel unencrypted, so we stopped before signing in. Sometimes a "
        "firewall or antivirus removes the offer on purpose.",
        "Try port 465 with SSL/TLS. If that does not work either, ask your provider for the "
        "encrypted settings.",
    ),
    "plaintext_auth_refused": Entry(
        "We did not send your password over an unencrypted connection",
        "The encryption setting is None, so your password would cross the network readable by "
        "anyone in between. We stopped before signing in.",
        "Choose STARTTLS (port 587) or SSL/TLS (port 465). Only if this server is on your own "
        "trusted network and cannot encrypt, allow unencrypted sign-in for this server "
        "explicitly.",
    ),
    "starttls_required": Entry(
        "The server requires encryption first",
        '{host} refused to go on until the connection is encrypted ("{reply}").',
        "Switch the encryption to STARTTLS and test again.",
    ),
    "auth_not_offered": Entry(
        "The server does not offer sign-in here",
        "{host} did not offer a way to sign in on port {port}. Many servers only offer sign-in "
        "on the submission ports (587 or 465), or only after encrypting.",
        "Use port 587 with STARTTLS or 465 with SSL/TLS. If this is an internal relay that "
        "recognises your network instead of a password, leave the username empty.",
    ),
    "auth_failed": Entry(
        "The username or password was not accepted",
        '{host} rejected the sign-in for {username} ("{reply}").',
        "Check the password (type it again, watch for Caps Lock). Many providers want the full "
        "email address as the username.",
    ),
    "app_password_required": Entry(
        "This account needs an app password",
        "Your provider does not accept your normal password from mail programs because the "
        'account uses two-step verification ("{reply}").',
        "Create an app password in your account's security settings (for Google: "
        "myaccount.google.com → Security → 2-Step Verification → App passwords) and use that "
        "16-character password here instead of your normal one.",
    ),
    "auth_disabled_by_provider": Entry(
        "Sign-in from mail programs is switched off for this account",
        'The provider turned off this way of signing in ("{reply}").',
        "An administrator has to switch it on, or the program must use modern sign-in (OAuth2).",
    ),
    "auth_mechanism_unsupported": Entry(
        "The server only offers a sign-in method we cannot use",
        "{host} offers only {mechanisms} to sign in. These need the provider's own sign-in "
        "window (OAuth2) or a company network login, not a password typed here.",
        'Use the provider\'s own app or a mail program that supports "OAuth2" sign-in for this '
        "provider, or ask the provider for password-based SMTP settings.",
    ),
    "auth_required": Entry(
        "The server wants you to sign in first",
        '{host} does not accept mail from this computer without a sign-in ("{reply}").',
        "Enter your username (usually your full email address) and password, and test again.",
    ),
    "auth_throttled": Entry(
        "The server is slowing down sign-ins after failed attempts",
        "{host} {throttle_what} Mail servers do this after several wrong passwords from the same "
        "internet address, to stop password guessing; while it lasts even the right password "
        "is held back or refused.",
        "Wait a minute or two before the next try, and check the password before you test "
        "again: each failed attempt makes the wait longer. Other mail programs or devices still "
        "trying an old password from your network keep it going.",
    ),
    "client_blocked": Entry(
        "The server refuses mail from your network",
        '{host} turned away this computer\'s internet address, not your account ("{reply}"). '
        "The address is on a block list, or the server only takes mail from its own customers' "
        "networks.",
        "Send through your own provider's outgoing server with sign-in (port 587 or 465). If "
        "this is that server, ask the provider to unblock your address; the link in the reply "
        "often says how.",
    ),
    "not_a_submission_server": Entry(
        "This looks like the server that receives your mail, not the one that sends it",
        "{host} answers on port {port} and offers no sign-in at all, even over an encrypted "
        "connection: that is how a server receiving mail for a domain (its MX) behaves. Mail "
        "programs send through a different, outgoing server that asks for your password.",
        "Use your provider's outgoing (SMTP) server, often smtp.<your domain>, on port 587 "
        "(STARTTLS) or 465 (SSL/TLS); the provider's help pages list it.",
    ),
    "sender_rejected": Entry(
        "The server will not send mail from this address",
        '{host} refused the sender address ("{reply}"). Most providers only let you send as '
        "the address you sign in with ({username}) or an alias set up for it.",
        'Send "From" the address you sign in with, {username}, or ask the administrator to '
        "give your account the right to send as the other address.",
    ),
    "relay_denied": Entry(
        "The server refused to pass the message on",
        '{host} will not deliver mail to other domains for you ("{reply}"). Almost always '
        "this means you are not signed in, or this is not your provider's outgoing server.",
        "Turn on sign-in (enter your username and password), and check that the server name is "
        "your provider's outgoing (SMTP) server.",
    ),
    "recipient_rejected": Entry(
        "The recipient address was refused",
        '{host} did not accept the recipient ("{reply}"). The address may be misspelled or '
        "no longer exist.",
        "Check the test recipient's address, or send the test to your own address.",
    ),
    "message_too_large": Entry(
        "The message is larger than the server allows",
        '{host} takes messages up to {size} and refused this one as too big ("{reply}").',
        "Send smaller messages: fewer or smaller attachments, or a link to a shared file. If "
        "even short messages are refused, ask your provider about the limit.",
    ),
    "message_rejected": Entry(
        "The server refused the test message",
        '{host} accepted the sender and recipient but refused the message itself ("{reply}").',
        "Your settings work for signing in. Ask your provider why the message was refused; "
        "they often explain it in their sending limits or spam policy.",
    ),
    "greylisted": Entry(
        "The server asks to try again later (greylisting)",
        '{host} turned the first attempt away on purpose ("{reply}"). This is greylisting: '
        "servers do it with senders they have not seen before, because spam programs rarely "
        "come back. Real mail programs simply try again.",
        "Nothing is wrong with your settings. Test again in a few minutes; the second attempt "
        "is normally accepted.",
    ),
    "server_busy": Entry(
        "The server is busy or temporarily unavailable",
        '{host} said it cannot talk right now ("{reply}"). This is usually temporary, or '
        "caused by too many connections at once.",
        "Wait a few minutes and test again. If it lasts, check your provider's status page.",
    ),
    "greeting_rejected": Entry(
        "The server turned the connection away",
        '{host} refused to talk to this computer ("{reply}"). Servers do this when an '
        "address is on a block list or the service is not offered here.",
        "Make sure this is your provider's outgoing server. If you are on a home or cloud "
        "network, use your provider's submission port 587 or 465 instead of 25.",
    ),
    "protocol_error": Entry(
        "The server's answer made no sense",
        "What came back from port {port} on {host} is not a proper mail-server answer. It may "
        "be a different kind of service, or something in between is interfering.",
        "Check the server name and port. If they are right, show the technical details to your "
        "provider.",
    ),
    "cancelled": Entry(
        "The test was stopped",
        "You stopped the test before it finished.",
        "Start the test again when you are ready.",
    ),
}

# The seed's advice on which security each port normally uses, for suggestions and help.
SECURITY_WORDS = {"starttls": "STARTTLS", "tls": "SSL/TLS", "none": "None"}

# OAuth2 sign-in failures (core/oauth/errors.py picks them).
CATALOGUE.update({code: Entry(*texts) for code, texts in OAUTH_TEXTS.items()})
