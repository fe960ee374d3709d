"""The SPARQL 1.1 Protocol endpoint, query side, one concern per module.

(The result format comes from `api.negotiation`, shared with the linked-data pages.)
- `errors`: the refusals (status, code, message), shared by the server and the workers.
- `protocol`: what an HTTP request asks (query, dataset), or the protocol error it makes.
- `check`: refuse what is unsafe (SERVICE, graphs not in the store) before it is evaluated.
- `workers`: check and run queries in child processes, killed when they pass the time limit.
- `service`: the whole path from request to answer bytes, the result cache, the service
  description.
"""
