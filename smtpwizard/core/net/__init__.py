"""The network underneath the check, the probe and discovery: name resolution, TCP, TLS contexts.

resolve.py looks names up (system resolver, a chosen DNS server, or --resolve overrides),
network.py opens connections with deadlines, tlsinfo.py builds verifying TLS contexts and
describes certificates. Nothing here speaks SMTP.
"""
