//! `/metrics` for a cluster role: the broker connection, what an ingest
//! instance published, a shard's consumer lag and membership.

use spreadwatch_proto::cluster::{
    ClusterStatus, ConsumerStatus, GatewayStatus, PublishStatus, ShardStatus,
};
use spreadwatch_proto::FeedState;

use super::metrics::scalar;

/// Writes the role's counters (nothing for a role it does not play).
pub(super) fn render(o: &mut String, c: &ClusterStatus) {
    let up = Some("1 while connected to the NATS broker.");
    scalar(
        o,
        "nats_connected",
        "gauge",
        up,
        u64::from(c.state == FeedState::Live),
    );
    if let Some(p) = &c.publish {
        publish(o, p);
    }
    if let Some(k) = &c.consumer {
        consumer(o, k);
    }
    if let Some(s) = &c.shard {
        shard(o, s);
    }
    if let Some(g) = &c.gateway {
        gateway(o, g);
    }
}

/// The gateway role's reach.
fn gateway(o: &mut String, g: &GatewayStatus) {
    let rows: [Row<'_>; 4] = [
        (
            "gateway_shards",
            "gauge",
            "Shards that answered the last discovery.",
            g.shards.len() as u64,
        ),
        (
            "gateway_pairs",
            "gauge",
            "Pairs the cluster runs.",
            u64::from(g.pairs),
        ),
        (
            "gateway_updates_total",
            "counter",
            "Updates received from the update subjects.",
            g.updates,
        ),
        (
            "gateway_failed_requests_total",
            "counter",
            "Requests to the shards that failed or went unanswered.",
            g.failed_requests,
        ),
    ];
    write_rows(o, &rows);
}

/// One metric: name, type, help, value.
type Row<'a> = (&'a str, &'a str, &'a str, u64);

fn write_rows(o: &mut String, rows: &[Row<'_>]) {
    for (name, kind, help, v) in rows {
        scalar(o, name, kind, Some(help), *v);
    }
}

/// The ingest role's publishing.
fn publish(o: &mut String, p: &PublishStatus) {
    {
        let rows: [Row<'_>; 7] = [
            (
                "nats_published_total",
                "counter",
                "Trades sent to the tick stream, retries included.",
                p.published,
            ),
            (
                "nats_acked_total",
                "counter",
                "Acknowledgements from the broker.",
                p.acked,
            ),
            (
                "nats_duplicates_total",
                "counter",
                "Acknowledged trades the stream already held (same Nats-Msg-Id).",
                p.duplicates,
            ),
            (
                "nats_publish_failures_total",
                "counter",
                "Trades not acknowledged in time, sent again.",
                p.failed,
            ),
            (
                "nats_buffered",
                "gauge",
                "Trades waiting for the broker.",
                p.buffered,
            ),
            (
                "nats_buffer_capacity",
                "gauge",
                "The bound of that buffer.",
                p.capacity,
            ),
            (
                "nats_dropped_total",
                "counter",
                "Trades dropped because the buffer was full.",
                p.dropped,
            ),
        ];
        write_rows(o, &rows);
    }
}

/// The shard role's consumer.
fn consumer(o: &mut String, k: &ConsumerStatus) {
    {
        let rows: [Row<'_>; 5] = [
            (
                "nats_consumer_delivered_total",
                "counter",
                "Messages the shard's consumer received.",
                k.delivered,
            ),
            (
                "nats_consumer_redelivered_total",
                "counter",
                "Messages received again (after a restart, or redelivered).",
                k.redelivered,
            ),
            (
                "nats_consumer_acked_total",
                "counter",
                "Messages acknowledged once saved.",
                k.acked,
            ),
            (
                "nats_consumer_pending",
                "gauge",
                "Messages in the stream not yet delivered.",
                k.pending,
            ),
            (
                "nats_consumer_ack_pending",
                "gauge",
                "Messages delivered, not yet acknowledged.",
                k.ack_pending,
            ),
        ];
        write_rows(o, &rows);
    }
}

/// The shard's place in the cluster.
fn shard(o: &mut String, s: &ShardStatus) {
    {
        scalar(
            o,
            "shard_index",
            "gauge",
            Some("This shard, from 1."),
            u64::from(s.index),
        );
        scalar(
            o,
            "shard_count",
            "gauge",
            Some("Shards in the cluster."),
            u64::from(s.count),
        );
        let owned = Some("Pairs this shard owns.");
        scalar(o, "shard_owned_pairs", "gauge", owned, s.owned.len() as u64);
        let members = Some("Shards whose durable consumer the broker holds.");
        scalar(o, "shard_members", "gauge", members, s.members.len() as u64);
    }
}
