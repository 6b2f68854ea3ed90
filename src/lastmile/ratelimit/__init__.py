"""Rate limits: per IP, per account, per API key and per device, in one budget per process
(embedded) or shared by every process through Redis."""
