-- Tenant routing: each tenant leaves through its own egress pool. The tenant is the one bound to
-- the SMTP AUTH user (MTAKIT_AUTH_USERS=user:password:tenant), else the X-Tenant header, else
-- "shared". The header is removed so recipients never see it.
--
--   MTAKIT_POLICY=examples/mta/policies/tenant-routing.lua \
--   MTAKIT_POLICY_INCLUDE=examples/mta/policies/sources.lua mtakit start

local TENANT_POOLS = { acme = 'acme', globex = 'globex' }

kumo.on('smtp_server_message_received', function(msg)
  if not msg:get_meta('tenant') then
    msg:set_meta('tenant', msg:get_first_named_header_value('X-Tenant') or 'shared')
  end
  msg:remove_all_named_headers('X-Tenant')
end)

kumo.on('get_queue_config', function(domain, tenant, campaign, routing_domain)
  return kumo.make_queue_config {
    egress_pool = TENANT_POOLS[tenant] or 'shared',
    retry_interval = '10 mins',
    max_age = '2 days',
  }
end)
