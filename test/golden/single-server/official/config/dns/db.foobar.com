; Zone file of foobar.com for the infra-lab lab "single-server" (RFC 1035 format).
; Written by infra-lab. The short TTL (5 s) lets students see changes at once.
$ORIGIN foobar.com.
$TTL 5
@ IN SOA ns1.foobar.com. hostmaster.foobar.com. (
    1767323045 ; serial
    60         ; refresh
    30         ; retry
    3600       ; expire
    5 )        ; negative answers are cached for 5 s
@        IN NS     ns1
ns1      IN A      10.150.20.10  ; dns
@        IN A      10.150.20.11  ; web
www      IN CNAME  @
