# Evaluates an exported Rails snippet against a stand-in `config` and prints what it set.
require "json"
require "ostruct"

class StandInConfig
  def action_mailer
    @action_mailer ||= OpenStruct.new
  end
end

config = StandInConfig.new
eval(File.read(ARGV[0], encoding: "UTF-8"), binding, ARGV[0])
mailer = config.action_mailer
smtp = mailer.smtp_settings.to_h { |k, v| [k.to_s, v.is_a?(Symbol) ? ":#{v}" : v] }
puts JSON.generate(
  "delivery" => mailer.delivery_method.to_s,
  "smtp" => smtp,
  "from" => mailer.default_options[:from]
)
