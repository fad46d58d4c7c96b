-- Regional routing: a message tagged with an X-Region header leaves through that region's pool,
-- with retries suited to it; untagged mail goes through its tenant's pool. The region belongs to
-- each message, not to its queue (one tenant's queue mixes regions), so get_queue_config reads it
-- with kumo.get_msg_metadata, and mtakit then computes queue configs per message.
--
--   MTAKIT_POLICY=examples/mta/policies/region-routing.lua \
--   MTAKIT_POLICY_INCLUDE=examples/mta/policies/sources.lua mtakit start

local ANDEAN = { pool = 'andean', retry_interval = '12 mins', max_age = '18 hours' }
local REGIONS = {
  mexico = { pool = 'mexico', retry_interval = '8 mins', max_age = '12 hours' },
  colombia = ANDEAN,
  peru = ANDEAN,
}

kumo.on('get_queue_config', function(domain, tenant, campaign, routing_domain)
  local region = REGIONS[kumo.get_msg_metadata('X-Region') or '']
  if region == nil then
    return kumo.make_queue_config { egress_pool = tenant or 'shared' }
  end
  return kumo.make_queue_config {
    egress_pool = region.pool,
    retry_interval = region.retry_interval,
    max_age = region.max_age,
  }
end)
