"""Adapters: the outside world behind the ports the services define (mail, ...)."""
