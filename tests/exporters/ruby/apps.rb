# Reads an exported Rails-app file the way the app does, builds the smtp_settings it hands
# Action Mailer, then prints them (JSON) or sends one message with the mail gem:
#   ruby apps.rb APP EXPORT            -> JSON
#   ruby apps.rb APP EXPORT TO SUBJECT -> sends
# APP: gitlab (omnibus templates/default/smtp_settings.rb.erb), mastodon (config/email.yml and
# config/environments/production.rb, 4.3), discourse (config/environments/production.rb, 3.x).
require "json"
require "mail"
require "yaml"
require "dotenv"

app, file, to, subject = ARGV
text = File.read(file, encoding: "UTF-8")

case app
when "gitlab"
  gitlab_rails = {}
  eval(text, binding, file)
  g = gitlab_rails
  settings = {
    address: g["smtp_address"], port: g["smtp_port"], user_name: g["smtp_user_name"],
    password: g["smtp_password"], domain: g["smtp_domain"],
    authentication: g["smtp_authentication"]&.to_sym,
    enable_starttls_auto: g["smtp_enable_starttls_auto"], tls: g["smtp_tls"],
    openssl_verify_mode: g["smtp_openssl_verify_mode"],
  }.compact
  from = Mail::Address.new(g["gitlab_email_from"])
  from.display_name = g["gitlab_email_display_name"]
  enabled = g["smtp_enable"]
when "mastodon"
  env = Dotenv::Parser.call(text)
  fetch = ->(key, default = nil) { env.fetch(key, ENV.fetch(key, default)) }
  smtp = {
    port: fetch.("SMTP_PORT"), address: fetch.("SMTP_SERVER"), user_name: fetch.("SMTP_LOGIN"),
    password: fetch.("SMTP_PASSWORD"), domain: fetch.("SMTP_DOMAIN"),
    authentication: fetch.("SMTP_AUTH_METHOD", "plain"),
    openssl_verify_mode: fetch.("SMTP_OPENSSL_VERIFY_MODE"),
    enable_starttls: fetch.("SMTP_ENABLE_STARTTLS"),
    enable_starttls_auto: fetch.("SMTP_ENABLE_STARTTLS_AUTO", "true") != "false",
    tls: fetch.("SMTP_TLS", "false") == "true" ? true : nil,
  }
  starttls = smtp.delete(:enable_starttls)
  case starttls
  when "always" then smtp[:enable_starttls] = true; smtp.delete(:enable_starttls_auto)
  when "never" then smtp[:enable_starttls] = false; smtp[:enable_starttls_auto] = false
  when "auto" then smtp[:enable_starttls_auto] = true
  end
  smtp[:authentication] = nil if smtp[:authentication] == "none"
  smtp[:port] = smtp[:port]&.to_i
  settings = smtp.compact
  from = Mail::Address.new(fetch.("SMTP_FROM_ADDRESS", "notifications@localhost"))
  enabled = true
when "discourse"
  e = YAML.safe_load(text)["env"].transform_values { |v| v.to_s }
  settings = {
    address: e["DISCOURSE_SMTP_ADDRESS"], port: e["DISCOURSE_SMTP_PORT"].to_i,
    domain: e["DISCOURSE_SMTP_DOMAIN"], user_name: e["DISCOURSE_SMTP_USER_NAME"],
    password: e["DISCOURSE_SMTP_PASSWORD"],
    authentication: e["DISCOURSE_SMTP_AUTHENTICATION"],
    enable_starttls_auto: e["DISCOURSE_SMTP_ENABLE_START_TLS"] == "true",
    openssl_verify_mode: e["DISCOURSE_SMTP_OPENSSL_VERIFY_MODE"],
  }
  settings[:tls] = true if e["DISCOURSE_SMTP_FORCE_TLS"] == "true"
  settings = settings.compact
  from = Mail::Address.new(e["DISCOURSE_NOTIFICATION_EMAIL"])
  enabled = true
else
  abort "unknown app #{app}"
end

if to.nil?
  puts JSON.generate(settings.merge(from_address: from.address, from_name: from.display_name,
                                    enabled: enabled))
  exit
end
message = Mail.new do
  to to
  subject subject
  body "sent by the export test\n"
end
message.from = from.to_s
message.charset = "UTF-8"
message.delivery_method(:smtp, settings.merge(open_timeout: 15, read_timeout: 15))
message.deliver!
puts "sent"
