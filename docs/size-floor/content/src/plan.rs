//! Every calculator section of the plan, on its defaults, built in code
//! (no serde): a literal, so a new section fails to build until it is added.

use headroom_core::plan::*;

pub fn plan() -> Plan {
    Plan {
        host: Default::default(),
        amps: Some(AmpsSections {
            memory: Some(Default::default()),
            slow_clients: Some(Default::default()),
            limits: Some(Default::default()),
            sow_storage: Some(Default::default()),
            slab: Some(Default::default()),
            txlog: Some(Default::default()),
            logs: Some(Default::default()),
            network: Some(Default::default()),
            cpu: Some(Default::default()),
            storage: Some(Default::default()),
        }),
        gemstone: Some(GemstoneSections { page_cache: Some(Default::default()) }),
        aerospike: Some(AerospikeSections { shm: Some(Default::default()) }),
        connections: Some(ConnectionsSections { kernel: Some(Default::default()) }),
        vps: Some(VpsSections { memory: Some(Default::default()) }),
    }
}
