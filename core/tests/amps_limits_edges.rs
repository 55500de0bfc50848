//! AMPS's kernel limits (User Guide ch. 25, Linux Operating System
//! Configuration) each exactly met and missed by one, and the process size
//! at which a core file is too slow to write.

use headroom_core::amps::limits::{evaluate, Input, LARGE_PROCESS};
use headroom_core::host::{Host, Kernel};
use headroom_core::units::{Bytes, Count};

/// 10,000 clients and 2 SOW topics need 2 · 10,002 = 20,004 descriptors
/// (above the 4,096 minimum); 2 · 8,192 + 16,384 = 32,768 AIO requests, so
/// the 65,536 minimum; file-max and max_map_count their minimums.
fn input(process_size: u64) -> Input {
    Input {
        clients: Count(10_000),
        sow_topics: Count(2),
        journal_files: Count(0),
        process_size: Bytes(process_size),
    }
}

fn exact() -> Kernel {
    Kernel {
        nofile_soft: Some(Count(20_004)),
        aio_max_nr: Some(Count(65_536)),
        file_max: Some(Count(262_144)),
        max_map_count: Some(Count(65_530)),
        ..Kernel::default()
    }
}

fn ids(input: &Input, kernel: Kernel) -> Vec<&'static str> {
    let r = evaluate(input, &Host { kernel, ..Host::default() }).unwrap();
    r.findings.iter().map(|f| f.id).collect()
}

#[test]
fn each_limit_exactly_met_passes_and_one_less_fails() {
    let small = input(LARGE_PROCESS - 1);
    assert_eq!(ids(&small, exact()), Vec::<&str>::new());
    let base = exact();
    let cases = [
        (Kernel { nofile_soft: Some(Count(20_003)), ..base.clone() }, "amps.limits.nofile"),
        (Kernel { aio_max_nr: Some(Count(65_535)), ..base.clone() }, "amps.limits.aio_max_nr"),
        (Kernel { file_max: Some(Count(262_143)), ..base.clone() }, "amps.limits.file_max"),
        (
            Kernel { max_map_count: Some(Count(65_529)), ..base.clone() },
            "amps.limits.max_map_count",
        ),
    ];
    for (kernel, id) in cases {
        assert_eq!(ids(&small, kernel), [id]);
    }
}

#[test]
fn a_process_of_1_gb_should_write_no_core() {
    assert_eq!(ids(&input(LARGE_PROCESS), exact()), ["amps.limits.core"]);
    let no_core = Kernel { core_limit: Some(Bytes(0)), ..exact() };
    assert_eq!(ids(&input(LARGE_PROCESS), no_core), Vec::<&str>::new());
}
