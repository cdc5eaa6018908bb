--[[
  artifacts on demand (a protocol change, no new function): a submission of
  a large artifact the API submitted lately (so likely a cache hit or an
  attach) first goes without its content, flagged 'unsent'
  (001_submit.lua). A cache hit or an attach to a running job answers at
  once, and the artifact's bytes never reach Redis; a submission that would
  be queued answers 'need_artifact' (having written nothing), and the
  caller sends it again with the artifact written beside the call as
  before. The flags argument changed meaning,
  so the version moves past 015.
]]
