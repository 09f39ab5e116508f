# Sends one message with the mail gem (what Action Mailer uses) and an exported smtp_settings
# snippet: ruby send_rails.rb EXPORT.rb TO SUBJECT
require "mail"
require "ostruct"

class StandInConfig
  def action_mailer
    @action_mailer ||= OpenStruct.new
  end
end

config = StandInConfig.new
eval(File.read(ARGV[0], encoding: "UTF-8"), binding, ARGV[0])
settings = config.action_mailer.smtp_settings
message = Mail.new do
  from config.action_mailer.default_options[:from]
  to ARGV[1]
  subject ARGV[2]
  body "sent by the export test\n"
end
message.charset = "UTF-8"
message.delivery_method(:smtp, settings)
message.deliver!
puts "sent"
