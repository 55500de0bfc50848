//! What a plan needs from its host, read off the plan's own evaluation so
//! that the validators and the calculators never disagree on a figure.

use super::Needs;
use crate::plan::{self, Plan};
use crate::report::CalcResult;
use crate::units::Bytes;

impl Needs {
    /// The needs of every calculator section in `plan`. A section that does
    /// not evaluate adds nothing (the plan's own report names its error).
    /// Where two sections need the same limit, the larger need wins.
    pub fn from_plan(plan: &Plan) -> Needs {
        let report = plan::evaluate(plan);
        let mut needs = Needs {
            amps: plan.amps.as_ref().is_some_and(|a| *a != Default::default()),
            ..Needs::default()
        };
        let q = |r: &CalcResult, name: &str| r.quantity(name);
        let term = |r: &CalcResult, symbol: &str| {
            r.terms.iter().find(|t| t.symbol == symbol).map(|t| t.value)
        };
        if let Some(r) = report.get(crate::amps::limits::ID) {
            // The minimums the instance needs, not the guide's recommendations:
            // a host below a recommendation is advice, below a need an error.
            let fds = term(r, "2·(C + T + J)");
            // The plan judges nofile against the guide's floor too.
            raise(&mut needs.nofile, fds.map(|f| f.max(crate::amps::limits::NOFILE_MIN)));
            raise(&mut needs.file_max, fds);
            raise(&mut needs.aio_max_nr, term(r, "16384 + 8192·T"));
        }
        if let Some(r) = report.get(crate::amps::sow_storage::ID) {
            raise(&mut needs.max_map_count, q(r, "maps"));
            let sow = plan.amps.as_ref().and_then(|a| a.sow_storage.as_ref());
            needs.max_message_size = sow.and_then(|s| s.max_message_size);
        }
        if let Some(r) = report.get(crate::connections::ID) {
            // No process can have more than fs.nr_open's ceiling: the plan's
            // own error says to use more processes; the files are judged
            // against the most they can give.
            let most = crate::connections::NR_OPEN_MAX;
            raise(&mut needs.nofile, q(r, "nofile").map(|n| n.min(most)));
            raise(&mut needs.file_max, q(r, "file_max"));
            raise(&mut needs.time_wait, q(r, "time_wait"));
            let conns = plan.connections.as_ref().and_then(|c| c.kernel.as_ref());
            raise(&mut needs.connections, conns.map(|c| c.connections.get()));
            needs.port_pairs =
                conns.and_then(|c| c.client_ips.get().checked_mul(c.server_ports.get()));
            let pages = q(r, "buffer_pages");
            let bytes =
                pages.and_then(|p| p.checked_mul(plan.host.page_size.get())).filter(|&b| b > 0);
            let mem = needs.tcp_memory.map(Bytes::get);
            needs.tcp_memory = bytes.max(mem).map(Bytes);
        }
        if let Some(r) = report.get(crate::gemstone::ID) {
            let seg = needs.shm_segment.map(Bytes::get);
            needs.shm_segment = q(r, "segment").max(seg).map(Bytes);
        }
        if let Some(r) = report.get(crate::aerospike::ID) {
            needs.aerospike_segment = q(r, "segment").map(Bytes);
            let shm = plan.aerospike.as_ref().and_then(|a| a.shm.as_ref());
            needs.aerospike_nodes = shm.map(|s| s.cluster_nodes.get()).filter(|&n| n > 0);
            needs.aerospike_namespaces = shm.map(|s| s.cluster_namespaces.get()).filter(|&n| n > 0);
        }
        needs
    }
}

fn raise(slot: &mut Option<u64>, need: Option<u64>) {
    *slot = (*slot).max(need);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn needs(toml: &str) -> Needs {
        Needs::from_plan(&Plan::from_toml(toml).unwrap())
    }

    #[test]
    fn an_empty_plan_needs_nothing() {
        assert_eq!(needs("[host]\nram = \"1 GB\"\n"), Needs::default());
    }

    #[test]
    fn megacomet_needs_a_million_descriptors() {
        let n = needs(include_str!("../../../examples/megacomet.toml"));
        // 8 workers: 125,000 connections and 64 descriptors each.
        assert_eq!(n.nofile, Some(125_064));
        assert_eq!(n.file_max, Some(1_000_512));
        assert_eq!(n.connections, Some(1_000_000));
        assert_eq!(n.time_wait, Some(240_000));
        // Idle comet connections: no buffer memory under load to check.
        assert_eq!(n.tcp_memory, None);
        assert!(!n.amps);
    }

    #[test]
    fn amps_limits_give_the_instance_minimums() {
        let n = needs("[amps.limits]\nclients = 3000\nsow_topics = 10\njournal_files = 90\n");
        assert!(n.amps);
        assert_eq!(n.nofile, Some(2 * 3100));
        assert_eq!(n.aio_max_nr, Some(16_384 + 8192 * 10));
    }

    #[test]
    fn the_sow_needs_its_maps_and_its_largest_message() {
        let n = needs(
            "[host]\ncores = 16\n[amps.sow_storage]\nmessage_size = \"1 KiB\"\n\
             messages = 20000000\nslab_size = \"1 MiB\"\nmax_message_size = \"2 MB\"\n",
        );
        assert_eq!(n.max_map_count, Some(19_548));
        assert_eq!(n.max_message_size, Some(Bytes(2_000_000)));
    }

    #[test]
    fn a_need_above_what_linux_allows_is_capped_at_it() {
        let n = needs("[connections.kernel]\nconnections = 5000000000\nclient_ips = 100000\n");
        assert_eq!(n.nofile, Some(crate::connections::NR_OPEN_MAX));
    }

    #[test]
    fn the_larger_need_wins() {
        let n = needs(
            "[amps.limits]\nclients = 3000\n\
             [connections.kernel]\nconnections = 100\n",
        );
        assert_eq!(n.nofile, Some(6000));
    }

    #[test]
    fn the_t1_micro_page_cache_needs_its_segment() {
        let n = needs(include_str!("../../../examples/maglev-t1micro.toml"));
        assert!(n.shm_segment.is_some_and(|b| b.get() > 300 * 1024 * 1024));
    }
}
