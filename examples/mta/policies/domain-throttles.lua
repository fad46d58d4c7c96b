-- Per-destination limits: concurrent connections and message rate for the large mailbox
-- providers, a default for everyone else. Many receivers present certificates that do not verify,
-- so TLS is used whenever offered, without checking the certificate.
--
--   MTAKIT_POLICY=examples/mta/policies/domain-throttles.lua mtakit start

local DEFAULT = { connections = 15, rate = '200/min' }
local LIMITS = {
  ['gmail.com'] = { connections = 15, rate = '120/min' },
  ['yahoo.com'] = { connections = 10, rate = '100/min' },
  ['outlook.com'] = { connections = 25, rate = '300/min' },
  ['hotmail.com'] = { connections = 25, rate = '300/min' },
  ['proton.me'] = { connections = 5, rate = '60/min' },
}

kumo.on('get_egress_path_config', function(routing_domain, egress_source, site_name)
  local limits = LIMITS[routing_domain] or DEFAULT
  return kumo.make_egress_path {
    connection_limit = limits.connections,
    max_message_rate = limits.rate,
    max_deliveries_per_connection = 100,
    enable_tls = 'OpportunisticInsecure',
  }
end)
