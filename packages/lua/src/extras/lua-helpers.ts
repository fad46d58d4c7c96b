/**
 * policy-extras helpers written in Lua, with the API of KumoMTA's assets/policy-extras modules of
 * the same names (Apache-2.0; re-implemented here from their documentation, not copied). They run
 * in the sandbox like the policy and use only the kumo API, so every file they read goes through
 * the allowed directories and the path map. `require` loads them (kumo/require.ts).
 */

const POLICY_UTILS = String.raw`
local mod = {}

local function deep_equals(a, b, seen)
  if a == b then return true end
  if type(a) ~= 'table' or type(b) ~= 'table' then return false end
  seen = seen or {}
  if seen[a] == b then return true end
  seen[a] = b
  for k, v in pairs(a) do
    if not deep_equals(v, b[k], seen) then return false end
  end
  for k in pairs(b) do
    if a[k] == nil then return false end
  end
  return true
end

function mod.equals(a, b) return deep_equals(a, b) end

function mod.assert_eq(a, b, message)
  if not deep_equals(a, b) then
    error(string.format('%s: %s ~= %s', message or 'assert_eq failed', mod.dumps(a), mod.dumps(b)), 2)
  end
end

function mod.assert_ne(a, b, message)
  if deep_equals(a, b) then
    error(string.format('%s: both are %s', message or 'assert_ne failed', mod.dumps(a)), 2)
  end
end

function mod.assert_matches(a, pattern, message)
  if type(a) ~= 'string' or not a:find(pattern) then
    error(string.format('%s: %s does not match %q', message or 'assert_matches failed', mod.dumps(a), pattern), 2)
  end
end

function mod.merge_into(src, dest)
  for k, v in pairs(src or {}) do dest[k] = v end
end

function mod.recursive_merge_into(src, dest)
  for k, v in pairs(src or {}) do
    if type(v) == 'table' and type(dest[k]) == 'table' then
      mod.recursive_merge_into(v, dest[k])
    else
      dest[k] = v
    end
  end
end

function mod.table_contains(tbl, v)
  if v == nil then return false end
  for _, value in pairs(tbl) do
    if value == v then return true end
  end
  return false
end

function mod.table_keys(tbl)
  local keys = {}
  for k in pairs(tbl) do keys[#keys + 1] = k end
  return keys
end

function mod.table_is_empty(tbl) return next(tbl) == nil end

function mod.load_json_or_toml_file(filename)
  if type(filename) == 'table' then return filename end
  if filename:find('%.toml$') then return kumo.toml_load(filename) end
  return kumo.json_load(filename)
end

function mod.starts_with(s, text) return s:sub(1, #text) == text end
function mod.ends_with(s, text) return #text == 0 or s:sub(-#text) == text end

function mod.split_ip_port(ip_port)
  local ip, port = ip_port:match('^(.*):(%d+)$')
  if not ip then return ip_port, nil end
  return ip:match('^%[(.*)%]$') or ip, port
end

local function dump(value, indent, seen)
  if type(value) ~= 'table' then
    if type(value) == 'number' or type(value) == 'boolean' then return tostring(value) end
    return string.format('%q', tostring(value))
  end
  if seen[value] then return '[recursive node]' end
  local mt = getmetatable(value)
  if mt and mt.__tostring then return tostring(value) end
  seen[value] = true
  local keys = mod.table_keys(value)
  table.sort(keys, function(a, b) return tostring(a) < tostring(b) end)
  local lines = {}
  for i, k in ipairs(keys) do
    lines[i] = string.rep(' ', indent) .. string.format('[%q] = %s', k, dump(value[k], indent + 2, seen))
  end
  seen[value] = nil
  if #lines == 0 then return '{}' end
  return '{\n' .. table.concat(lines, ',\n') .. '\n' .. string.rep(' ', indent - 2) .. '}'
end

function mod.dumps(value)
  if value == nil then return nil end
  return dump(value, 2, {})
end

-- Exact name first, then '*.parent' wildcards from the nearest parent up (KumoMTA's domain_map).
function mod.lookup_domain(map, domain)
  domain = string.lower(domain)
  if map[domain] ~= nil then return map[domain] end
  local rest = domain
  while true do
    local dot = rest:find('.', 1, true)
    if not dot then return nil end
    rest = rest:sub(dot + 1)
    if map['*.' .. rest] ~= nil then return map['*.' .. rest] end
  end
end

return mod
`;

const LISTENER_DOMAINS = String.raw`
local utils = require 'policy-extras.policy_utils'
local mod = {}

local OPTIONS = { relay_to = true, relay_from = true, relay_from_authz = true, log_oob = true, log_arf = true }

local function load(files)
  local by_listener = { ['*'] = {} }
  for _, file in ipairs(files) do
    local data = utils.load_json_or_toml_file(file)
    for name, value in pairs(data) do
      if name == 'listener' then
        for listener, domains in pairs(value) do
          by_listener[listener] = by_listener[listener] or {}
          for domain, params in pairs(domains) do
            by_listener[listener][string.lower(domain)] = params
          end
        end
      else
        for key in pairs(value) do
          if not OPTIONS[key] then
            error(string.format("listener_domains: %s: unknown option '%s' for '%s'", file, key, name))
          end
        end
        by_listener['*'][string.lower(name)] = value
      end
    end
  end
  return by_listener
end

local function make(params, conn_meta)
  local options = {}
  utils.merge_into(params, options)
  local authz = options.relay_from_authz
  options.relay_from_authz = nil
  if authz and conn_meta and utils.table_contains(authz, conn_meta:get_meta('authz_id')) then
    local ip = utils.split_ip_port(conn_meta:get_meta('received_from') or '')
    options.relay_from = { ip }
  end
  return kumo.make_listener_domain(options)
end

function mod:setup(files)
  if mod.CONFIGURED then error('listener_domains module has already been configured') end
  if type(files) == 'string' then files = { files } end
  local by_listener = load(files)
  mod.CONFIGURED = { data_files = files }
  return function(domain, listener, conn_meta)
    local specific = by_listener[listener or '*']
    local params = (specific and utils.lookup_domain(specific, domain))
      or utils.lookup_domain(by_listener['*'], domain)
      or by_listener['*']['*']
    if params then return make(params, conn_meta) end
  end
end

return mod
`;

const DKIM_SIGN = String.raw`
local utils = require 'policy-extras.policy_utils'
local mod = {}

local DKIM_PATH = '/opt/kumomta/etc/dkim'
local SIGNERS = { sha256 = kumo.dkim.rsa_sha256_signer, ed25519 = kumo.dkim.ed25519_signer }
local BLOCK_KEYS = {
  selector = true, headers = true, policy = true, algo = true, expiration = true, filename = true,
  header_canonicalization = true, body_canonicalization = true, over_sign = true,
}

local function check_block(what, block, extra)
  for key in pairs(block) do
    if not BLOCK_KEYS[key] and not (extra and extra[key]) then
      error(string.format("dkim_sign: unknown option '%s' in %s", key, what))
    end
  end
  if block.algo and not SIGNERS[block.algo] then
    error(string.format("dkim_sign: invalid algo '%s' in %s (use sha256 or ed25519)", block.algo, what))
  end
end

local function load(files)
  local data = { base = {}, domain = {}, signature = {} }
  for _, file in ipairs(files) do
    local loaded = utils.load_json_or_toml_file(file)
    for name in pairs(loaded) do
      if not data[name] then error(string.format("dkim_sign: %s: unknown section '%s' (base, domain, signature)", tostring(file), name)) end
    end
    utils.merge_into(loaded.base, data.base)
    for _, section in ipairs({ 'domain', 'signature' }) do
      for name, params in pairs(loaded[section] or {}) do
        data[section][string.lower(name)] = data[section][string.lower(name)] or {}
        utils.merge_into(params, data[section][string.lower(name)])
      end
    end
  end
  if data.base.vault_mount then
    error('dkim_sign: base.vault_mount is not supported: mtakit reads DKIM keys from files (set filename, or keep keys under ' .. DKIM_PATH .. ')')
  end
  for name, block in pairs(data.domain) do
    check_block(string.format("domain '%s'", name), block)
    if not (block.selector or data.base.selector) then
      error(string.format("dkim domain '%s' is missing a selector and no default selector is defined in base", name))
    end
  end
  for name, block in pairs(data.signature) do
    check_block(string.format("signature '%s'", name), block, { domain = true })
  end
  for _, name in ipairs(data.base.additional_signatures or {}) do
    if not data.signature[string.lower(name)] then
      error(string.format("dkim policy lists base.additional_signature '%s' but that signature is not defined in any signature block", name))
    end
  end
  return data
end

local function sign(msg, base, block, domain)
  local params = { domain = domain }
  for _, key in ipairs({ 'selector', 'expiration', 'headers', 'header_canonicalization', 'body_canonicalization', 'over_sign' }) do
    if block[key] ~= nil then params[key] = block[key] else params[key] = base[key] end
  end
  params.key = block.filename or string.format('%s/%s/%s.key', DKIM_PATH, domain, params.selector)
  msg:dkim_sign(SIGNERS[block.algo or 'sha256'](params))
end

function mod:setup(files)
  if type(files) == 'string' then files = { files } end
  local data = load(files)
  return function(msg)
    local from = msg:from_header()
    if not from then
      kumo.reject(552, '5.6.0 DKIM signing requires a From header, but it is missing from this message')
    end
    local block = utils.lookup_domain(data.domain, from.domain)
    if block then
      local policy = block.policy or data.base.policy or 'Always'
      if policy ~= 'Always' then error(string.format("dkim_sign: invalid policy '%s' for domain '%s'", policy, from.domain)) end
      sign(msg, data.base, block, from.domain)
    end
    for _, name in ipairs(data.base.additional_signatures or {}) do
      local sig = data.signature[string.lower(name)]
      if not (sig.policy == 'OnlyIfMissingDomainBlock' and block) then
        sign(msg, data.base, sig, sig.domain)
      end
    end
  end
end

return mod
`;

/** Module name → Lua source, for `require`. */
export const LUA_HELPERS: Readonly<Record<string, string>> = {
  'policy-extras.policy_utils': POLICY_UTILS,
  'policy-extras.listener_domains': LISTENER_DOMAINS,
  'policy-extras.dkim_sign': DKIM_SIGN,
};
