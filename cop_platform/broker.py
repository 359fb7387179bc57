"""The Redis broker transport, with one fix: a worker whose acknowledgement times out keeps
consuming.

kombu's Redis QoS removes the message from Redis first and only then frees its prefetch slot
in the worker; when Redis hangs (SIGSTOP, a stalled network) past the socket timeout, the
removal raises, the slot is never freed, and a worker with as many failed acknowledgements as
its prefetch count (one, for a solo worker) never fetches another message. Here the slot is
freed whatever Redis answered. The message stays in Redis's "unacked" table and is delivered
again after the visibility timeout; every task in this project is safe to run twice.

Set through CELERY_BROKER_TRANSPORT for redis:// broker URLs (settings "--- Celery ---").
"""

from kombu.transport import redis, virtual


class QoS(redis.QoS):
    def ack(self, delivery_tag):
        try:
            self._remove_from_indices(delivery_tag).execute()
        finally:
            virtual.QoS.ack(self, delivery_tag)


class Channel(redis.Channel):
    QoS = QoS


class Transport(redis.Transport):
    Channel = Channel
