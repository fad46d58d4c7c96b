-- Sources and pools for the example policies, kept apart so every policy can use them:
--   MTAKIT_POLICY_INCLUDE=examples/mta/policies/sources.lua
-- (relative paths in a policy are resolved against the policy file's directory).
require('policy-extras.sources'):setup { 'sources.toml' }
