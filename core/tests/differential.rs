//! The differential test: every calculator's figures against a second,
//! deliberately simple implementation written here from the source
//! documents' formulas, in big unsigned integers (num-bigint) with explicit
//! ceiling and floor divisions and no helper of the calculators. Random
//! inputs cover the whole valid range, near u64::MAX too. When every
//! reference figure fits in a u64 the calculator must return exactly those
//! figures; when one does not, it must report an overflow. Any mismatch is
//! a bug in one of the two.

use headroom_core::host::Host;
use headroom_core::report::{CalcError, CalcResult};
use headroom_core::units::{Bytes, Count, Duration, Percent, Rate, Ratio};
use headroom_core::{aerospike, amps, connections, gemstone, vps};
use num_bigint::BigUint;
use proptest::prelude::*;

type N = BigUint;

fn n(v: u64) -> N {
    N::from(v)
}

/// a / b rounded up; b > 0.
fn up(a: &N, b: &N) -> N {
    (a + b - n(1)) / b
}

fn max(a: N, b: N) -> N {
    if a > b {
        a
    } else {
        b
    }
}

fn min(a: N, b: N) -> N {
    if a < b {
        a
    } else {
        b
    }
}

/// The calculator's figures (quantities, then terms) against the
/// reference's. `None` from the reference means the input is invalid.
fn agree(got: Result<CalcResult, CalcError>, want: Option<Vec<N>>) -> Result<(), TestCaseError> {
    let limit = n(u64::MAX);
    match (got, want) {
        (Err(CalcError::Invalid { .. }), None) => {}
        (Ok(r), Some(want)) if want.iter().all(|w| *w <= limit) => {
            let got: Vec<N> = r
                .quantities
                .iter()
                .map(|q| q.value)
                .chain(r.terms.iter().map(|t| t.value))
                .map(n)
                .collect();
            prop_assert_eq!(got, want, "{}", r.id);
        }
        (Err(CalcError::Overflow { .. }), Some(want)) if want.iter().any(|w| *w > limit) => {}
        (got, want) => prop_assert!(false, "calculator {got:?}\nreference {want:?}"),
    }
    Ok(())
}

/// Any u64, weighted towards the small values of real plans and the
/// values next to u64::MAX.
fn num() -> impl Strategy<Value = u64> {
    prop_oneof![
        0u64..100,
        0u64..1 << 24,
        any::<u64>().prop_map(|x| x >> (x % 64)),
        any::<u64>(),
        (u64::MAX - 1000)..=u64::MAX,
    ]
}

fn rate() -> impl Strategy<Value = Rate> {
    (num(), num()).prop_map(|(e, s)| Rate::new(e, s.max(1)).unwrap_or_default())
}

/// A rate as (events, seconds).
fn rq(r: Rate) -> (N, N) {
    (n(r.events()), n(r.per_seconds()))
}

fn host() -> impl Strategy<Value = Host> {
    (num(), num(), 0u64..1025, prop_oneof![Just(4096u64), 1u64..1 << 20]).prop_map(
        |(ram, swap, cores, page)| Host {
            ram: Bytes(ram),
            swap: Bytes(swap),
            cores: Count(cores),
            page_size: Bytes(page),
            ..Host::default()
        },
    )
}

const GB: u64 = 1_000_000_000;

fn memory(i: &amps::memory::Input) -> Option<Vec<N>> {
    if i.headroom_percent.get() < 100 {
        return None;
    }
    let terms = [
        n(GB),
        n(2) * n(i.sow_message_size.get()) * n(i.sow_messages.get()),
        n(4096) * n(i.clients.get()),
        n(i.message_memory_limit.get()),
        n(2) * n(i.journal_size.get()),
        n(196) * n(i.queue_messages.get()),
    ];
    let total: N = terms.iter().sum();
    let recommended = up(&(&total * n(i.headroom_percent.get())), &n(100));
    Some([vec![total, recommended], terms.to_vec()].concat())
}

fn limits(i: &amps::limits::Input) -> Option<Vec<N>> {
    let twice = n(2) * (n(i.clients.get()) + n(i.sow_topics.get()) + n(i.journal_files.get()));
    let aio = n(16_384) + n(8192) * n(i.sow_topics.get());
    Some(vec![
        max(twice.clone(), n(32_768)),
        max(aio.clone(), n(1_048_576)),
        max(twice.clone(), n(6_815_744)),
        n(500_000),
        twice,
        aio,
    ])
}

fn slow_clients(i: &amps::slow_clients::Input, h: &Host) -> Option<Vec<N>> {
    let memory = n(h.ram.get()) * n(10) / n(100);
    let configured = match i.message_memory_limit {
        None => memory.clone(),
        Some(amps::slow_clients::MemoryLimit::Size(b)) => n(b.get()),
        // A share of RAM, rounded down to a byte.
        Some(amps::slow_clients::MemoryLimit::Share(r)) => {
            n(h.ram.get()) * n(r.ppm()) / n(1_000_000)
        }
    };
    let backlog = n(i.average_record_size.get())
        * n(i.expected_records.get())
        * n(i.simultaneous_clients.get());
    // "increase this parameter by 1-2% at a time": the limit now plus k% of
    // RAM, in millionths of RAM so that a share is not rounded twice.
    let ram = n(h.ram.get());
    let step = |k: u64| match i.message_memory_limit {
        None => &ram * n(10 + k) / n(100),
        Some(amps::slow_clients::MemoryLimit::Size(b)) => n(b.get()) + &ram * n(k) / n(100),
        Some(amps::slow_clients::MemoryLimit::Share(r)) => {
            &ram * (n(r.ppm()) + n(k * 10_000)) / n(1_000_000)
        }
    };
    Some(vec![memory, max(backlog.clone(), configured), step(1), step(2), backlog])
}

/// Example 25.5: max(SlabSize - 64 B, 1 MiB).
fn storable(slab: u64) -> N {
    max(n(slab.saturating_sub(64)), n(1 << 20))
}

fn sow_storage(i: &amps::sow_storage::Input, h: &Host) -> Option<Vec<N>> {
    let (slab, topics) = (i.slab_size.get(), i.topics.get());
    if slab == 0 || topics == 0 {
        return None;
    }
    let messages = n(i.message_size.get()) * n(i.messages.get());
    let per_core = n(h.cores.get()) * n(slab) * n(topics);
    let min_size = &messages + &per_core;
    let max_size = max(&messages + n(slab) * n(i.messages.get()), min_size.clone());
    let maps = up(&messages, &n(slab)) + n(h.cores.get()) * n(topics);
    Some(vec![min_size, max_size, storable(slab), maps, messages, per_core])
}

/// Up to two significant digits: 2,403,008 -> 2,500,000.
fn two_digits(v: &N) -> N {
    let mut step = n(1);
    while v / &step >= n(100) {
        step *= n(10);
    }
    up(v, &step) * step
}

fn slab(i: &amps::slab::Input, h: &Host) -> Option<Vec<N>> {
    let (avg, big) = (i.average_message_size.get(), i.max_message_size.get());
    if big < avg || i.topics.get() == 0 {
        return None;
    }
    let avg_term = n(i.average_per_slab.get()) * (n(avg) + n(64));
    let max_term = n(i.max_per_slab.get()) * (n(big) + n(64));
    let raw = max(&avg_term + &max_term, n(big) + n(64));
    let suggested = max(two_digits(&raw), n(1 << 20));
    if raw > n(u64::MAX) {
        // The calculator stops at the raw sum: make the reference overflow too.
        return Some(vec![raw]);
    }
    let slab = i.slab_size.map_or(suggested.clone(), |s| n(s.get()));
    let (cores, topics) = (n(h.cores.get()), n(i.topics.get()));
    let per_slab = &slab / n(avg.saturating_add(64));
    Some(vec![
        suggested,
        &cores * &slab * &topics,
        per_slab.clone(),
        &slab / (n(big) + n(64)),
        cores * per_slab * topics,
        avg_term,
        max_term,
    ])
}

fn txlog(i: &amps::txlog::Input) -> Option<Vec<N>> {
    if i.files_per_increment.get() == 0 || i.retention_increment.seconds() == 0 {
        return None;
    }
    let (re, rs) = rq(i.publish_rate);
    let per = n(i.message_size.get()) + n(512);
    let messages = |d: Duration| up(&(&re * n(d.seconds())), &rs);
    let kept = messages(i.retention.max(i.recovery_window));
    let capacity = &per * &kept;
    let normal = &per * messages(i.retention);
    let file = up(&(&per * messages(i.retention_increment)), &n(i.files_per_increment.get()));
    let files = |bytes: &N| if file == n(0) { n(0) } else { up(bytes, &file) };
    let day = &per * messages(i.working_day);
    let message_bytes = n(i.message_size.get()) * &kept;
    Some(vec![
        capacity.clone(),
        kept.clone(),
        &capacity - normal,
        file.clone(),
        files(&capacity),
        files(&day),
        up(&(&per * &re), &rs),
        message_bytes.clone(),
        capacity - message_bytes,
    ])
}

fn logs(i: &amps::logs::Input) -> Option<Vec<N>> {
    let span = n(i.retention.seconds());
    let size = n(i.message_size.get());
    let (ie, is) = rq(i.publish_rate);
    let inbound = up(&(&ie * &span), &is);
    let terms = match i.level {
        amps::logs::Level::Trace => {
            let (oe, os) = rq(i.delivery_rate);
            let outbound = up(&(&oe * &span), &os);
            let (bin, bout) = (&size * inbound, &size * outbound);
            let overhead = up(&((&bin + &bout) * n(20)), &n(100));
            // (ie/is + oe/os)·S·120/100 over one denominator.
            let rate = up(&((&ie * &os + &oe * &is) * &size * n(120)), &(&is * &os * n(100)));
            return Some(
                [vec![&bin + &bout + &overhead, rate], vec![bin, bout, overhead]].concat(),
            );
        }
        amps::logs::Level::Info => {
            vec![up(&(inbound * n(2_000_000)), &n(10_000_000))]
        }
    };
    let rate = up(&(&ie * n(2_000_000)), &(&is * n(10_000_000)));
    Some([vec![terms[0].clone(), rate], terms].concat())
}

const CLASSES: [u64; 5] =
    [100_000_000, 1_000_000_000, 10_000_000_000, 25_000_000_000, 100_000_000_000];

/// Capacity Planning > Storage: the sum of the components, the SOW as a
/// range; one SOW figure stands for both ends.
fn storage(i: &amps::storage::Input) -> Option<Vec<N>> {
    let (lo, hi) = match (i.sow_min, i.sow_max) {
        (Some(a), Some(b)) => (a.get(), b.get()),
        (Some(a), None) | (None, Some(a)) => (a.get(), a.get()),
        (None, None) => (0, 0),
    };
    if lo > hi {
        return None;
    }
    let part = |b: Option<Bytes>| n(b.map_or(0, |b| b.get()));
    let (t, l, o) = (part(i.transaction_log), part(i.logs), part(i.offline));
    let rest = &t + &l + &o + n(i.other.get());
    Some(vec![n(lo) + &rest, n(hi) + &rest, n(lo), t, l, o, n(i.other.get())])
}

fn network(i: &amps::network::Input) -> Option<Vec<N>> {
    let m = i.match_ratio.ppm();
    if m > Ratio::ONE {
        return None;
    }
    let size = n(i.message_size.get());
    let (re, rs) = rq(i.publish_rate);
    let (qe, qs) = rq(i.query_rate);
    // All three terms over the denominator rs·10^6·qs.
    let inb = &re * &size * n(1_000_000) * &qs;
    let outb = &re * &size * n(m) * n(i.subscriptions.get()) * &qs;
    let qry = n(i.messages_per_query.get()) * &size * &qe * &rs * n(1_000_000);
    let den = &rs * n(1_000_000) * &qs;
    let total = &inb + &outb + &qry;
    let bits = up(&(&total * n(8)), &den);
    let class = match CLASSES.iter().find(|&&c| n(c) >= bits) {
        Some(&c) => n(c),
        None => up(&bits, &n(CLASSES[4])) * n(CLASSES[4]),
    };
    Some(vec![up(&total, &den), bits, class, up(&inb, &den), up(&outb, &den), up(&qry, &den)])
}

fn cpu(i: &amps::cpu::Input) -> Option<Vec<N>> {
    let (fe, fs) = rq(i.filter_rate_per_core);
    if fe == n(0) {
        return None;
    }
    let (pe, ps) = rq(i.publish_rate);
    let (qe, qs) = rq(i.query_rate);
    // Evaluations per second: pe·N/ps + qe·M/qs, over ps·qs.
    let sub = &pe * n(i.subscriptions.get()) * &qs;
    let scan = &qe * n(i.sow_messages.get()) * &ps;
    let den = &ps * &qs;
    // Thousandths of a core: evaluations · 1000 · fs / fe.
    let milli = |x: &N| up(&(x * n(1000) * &fs), &(&den * &fe));
    Some(vec![milli(&(&sub + &scan)), up(&(&sub + &scan), &den), milli(&sub), milli(&scan)])
}

fn gemstone(i: &gemstone::Input, h: &Host) -> Option<Vec<N>> {
    let kb = i.shr_page_cache_size_kb;
    if kb == 0 {
        return None;
    }
    // 16 KiB frames, then the assumed 10 % overhead, rounded up.
    let frames = up(&n(kb), &n(16));
    let cache = &frames * n(16 * 1024);
    let segment = &cache + up(&(&cache * n(10)), &n(100));
    let mut limit = n(h.ram.get()) * n(50) / n(100);
    if let Some(m) = h.kernel.shmmax {
        limit = min(limit, n(m.get()));
    }
    let recommended = &limit * n(100) / n(110) / n(1 << 20) * n(1024);
    Some(vec![segment.clone(), recommended, frames, cache.clone(), segment - cache])
}

fn aerospike(i: &aerospike::Input) -> Option<Vec<N>> {
    // Sizes from as_shm_cluster.h of each release, written out here again.
    let (node, header, partition) = match i.client_version {
        aerospike::Client::V3_0_84 => (48, 32, 8),
        aerospike::Client::V4_1_0 => (416, 32, 8),
        aerospike::Client::V4_2_0 => (416, 40, 16),
        aerospike::Client::V4_3_21 | aerospike::Client::V6_4_0 => (424, 40, 16),
        aerospike::Client::V7_4_1 => (432, 40, 16),
    };
    let l = aerospike::Layout { cluster: 56, node, table_header: header, partition };
    let nodes = n(l.node) * n(i.shm_max_nodes.get());
    let tables = (n(l.table_header) + n(4096) * n(l.partition)) * n(i.shm_max_namespaces.get());
    Some(vec![n(l.cluster) + &nodes + &tables, n(l.cluster), nodes, tables])
}

fn connections(i: &connections::Input, h: &Host) -> Option<Vec<N>> {
    let (c, p) = (n(i.connections.get()), n(i.processes.get()));
    let (ips, sp) = (n(i.client_ips.get()), n(i.server_ports.get()));
    let [lo, hi] = h.kernel.ip_local_port_range.unwrap_or([32768, 60999]);
    let ports = n(u64::from(hi) - u64::from(lo) + 1);
    let spaces = up(&c, &ports);
    let buffers = n(i.active_connections.get()) * n(i.buffer_per_active.get());
    let (ce, cs) = rq(i.churn);
    let reserve = n(i.reserve_fds.get());
    let idle = &c * n(i.idle_socket_bytes.get());
    Some(vec![
        up(&c, &p) + &reserve,
        &c + reserve * &p,
        up(&spaces, &ips),
        up(&spaces, &sp),
        idle.clone(),
        up(&(&c * n(128 << 20)), &n(523_000)),
        idle + &buffers,
        up(&buffers, &n(h.page_size.get())),
        up(&(ce * n(60)), &cs),
        ports.clone(),
        ports * ips * sp,
        buffers,
    ])
}

fn vps(i: &vps::Input, h: &Host) -> Option<Vec<N>> {
    let c = &i.mysql;
    let b = |x: Bytes| n(x.get());
    let innodb = b(c.innodb_buffer_pool_size)
        + b(c.innodb_additional_mem_pool_size)
        + b(c.innodb_log_buffer_size);
    let base = innodb + b(c.key_buffer_size) + b(c.query_cache_size);
    let threads = b(c.read_buffer_size)
        + b(c.read_rnd_buffer_size)
        + b(c.sort_buffer_size)
        + b(c.thread_stack)
        + b(c.join_buffer_size);
    let tmp = min(b(c.tmp_table_size), b(c.max_heap_table_size));
    let aria = b(c.aria_pagecache_buffer_size);
    let (global, per_thread) = match i.mysql_formula {
        // tuning-primer.sh 1.99, total_memory_used.
        vps::MysqlFormula::TuningPrimer => {
            let binlog = if c.log_bin == 1 { b(c.binlog_cache_size) } else { n(0) };
            (base, threads + binlog)
        }
        // MySQLTuner 2.9.1, calculations.
        vps::MysqlFormula::Mysqltuner29 => (base + aria, threads + b(c.binlog_cache_size) + tmp),
        // MySQLTuner 2.1.6, calculations.
        vps::MysqlFormula::Mysqltuner21 => (base + aria + tmp, threads + b(c.max_allowed_packet)),
    };
    let mysql = &global + &per_thread * n(c.max_connections.get());
    let web = match i.web {
        vps::Web::Prefork { max_request_workers, child_rss } => {
            n(child_rss.get()) * n(max_request_workers.get())
        }
        vps::Web::Event { rss } => n(rss.get()),
    };
    let other = b(i.other);
    let peak = &mysql + &web + &other;
    let mem = min(n(h.ram.get()) + n(h.swap.get()), n(u64::MAX));
    let safe = mem * n(85) / n(100);
    let room = |used: N| if used > safe { n(0) } else { &safe - used };
    let per = |room: N, each: &N| if *each == n(0) { n(u64::MAX) } else { room / each };
    let mut out = vec![peak, mysql.clone(), per(room(&global + &web + &other), &per_thread)];
    if let vps::Web::Prefork { child_rss, .. } = i.web {
        out.push(per(room(&mysql + &other), &n(child_rss.get())));
    }
    Some([out, vec![global, per_thread, web, other]].concat())
}

fn config() -> ProptestConfig {
    ProptestConfig { cases: 200, ..ProptestConfig::default() }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn amps_memory(v in prop::array::uniform7(num()), pct in prop_oneof![num(), 100u64..400]) {
        let i = amps::memory::Input {
            sow_message_size: Bytes(v[0]), sow_messages: Count(v[1]), clients: Count(v[2]),
            message_memory_limit: Bytes(v[3]), journal_size: Bytes(v[4]),
            queue_messages: Count(v[5]), headroom_percent: Percent(pct),
        };
        agree(amps::memory::evaluate(&i, &Host::default()), memory(&i))?;
    }

    #[test]
    fn amps_limits(v in prop::array::uniform4(num())) {
        let i = amps::limits::Input {
            clients: Count(v[0]), sow_topics: Count(v[1]), journal_files: Count(v[2]),
            process_size: Bytes(v[3]),
        };
        agree(amps::limits::evaluate(&i, &Host::default()), limits(&i))?;
    }

    #[test]
    fn amps_slow_clients(v in prop::array::uniform4(num()), set in 0u8..3, h in host()) {
        let limit = match set {
            0 => None,
            1 => Some(amps::slow_clients::MemoryLimit::Size(Bytes(v[3]))),
            _ => Some(amps::slow_clients::MemoryLimit::Share(Ratio::from_ppm(v[3]))),
        };
        let i = amps::slow_clients::Input {
            average_record_size: Bytes(v[0]), expected_records: Count(v[1]),
            simultaneous_clients: Count(v[2]), message_memory_limit: limit,
            message_disk_limit: Some(Bytes(v[0])), disk_path_space: Some(Bytes(v[1])),
        };
        agree(amps::slow_clients::evaluate(&i, &h), slow_clients(&i, &h))?;
    }

    #[test]
    fn amps_storage(v in prop::array::uniform7(num()), set in prop::array::uniform6(any::<bool>())) {
        let b = |k: usize| set[k].then_some(Bytes(v[k]));
        let i = amps::storage::Input {
            sow_min: b(0), sow_max: b(1), transaction_log: b(2), logs: b(3), offline: b(4),
            other: Bytes(v[5]), disk: b(5).map(|_| Bytes(v[6])),
        };
        agree(amps::storage::evaluate(&i, &Host::default()), storage(&i))?;
    }

    #[test]
    fn amps_sow_storage(v in prop::array::uniform4(num()), h in host()) {
        let i = amps::sow_storage::Input {
            message_size: Bytes(v[0]), messages: Count(v[1]), slab_size: Bytes(v[2]),
            topics: Count(v[3]), max_message_size: None,
        };
        agree(amps::sow_storage::evaluate(&i, &h), sow_storage(&i, &h))?;
    }

    #[test]
    fn amps_slab(v in prop::array::uniform6(num()), set in any::<bool>(), h in host()) {
        let (avg, big) = (v[0].min(v[1]), v[0].max(v[1]));
        let i = amps::slab::Input {
            average_message_size: Bytes(avg), max_message_size: Bytes(big),
            average_per_slab: Count(v[2]), max_per_slab: Count(v[3]),
            slab_size: set.then_some(Bytes(v[4])), topics: Count(v[5]),
        };
        agree(amps::slab::evaluate(&i, &h), slab(&i, &h))?;
    }

    #[test]
    fn amps_txlog(size in num(), r in rate(), d in prop::array::uniform4(num()), files in num()) {
        let i = amps::txlog::Input {
            message_size: Bytes(size), publish_rate: r, retention: Duration(d[0]),
            recovery_window: Duration(d[1]), retention_increment: Duration(d[2]),
            files_per_increment: Count(files), working_day: Duration(d[3]),
        };
        agree(amps::txlog::evaluate(&i, &Host::default()), txlog(&i))?;
    }

    #[test]
    fn amps_logs(trace in any::<bool>(), r in rate(), o in rate(), size in num(), span in num()) {
        let i = amps::logs::Input {
            level: if trace { amps::logs::Level::Trace } else { amps::logs::Level::Info },
            publish_rate: r, delivery_rate: o, message_size: Bytes(size), retention: Duration(span),
        };
        agree(amps::logs::evaluate(&i, &Host::default()), logs(&i))?;
    }

    #[test]
    fn amps_network(r in rate(), q in rate(), v in prop::array::uniform3(num()),
                    m in prop_oneof![0u64..=Ratio::ONE, num()]) {
        let i = amps::network::Input {
            publish_rate: r, message_size: Bytes(v[0]), match_ratio: Ratio::from_ppm(m),
            subscriptions: Count(v[1]), messages_per_query: Count(v[2]), query_rate: q,
        };
        agree(amps::network::evaluate(&i, &Host::default()), network(&i))?;
    }

    #[test]
    fn amps_cpu(r in rate(), q in rate(), f in rate(), v in prop::array::uniform2(num())) {
        let i = amps::cpu::Input {
            publish_rate: r, subscriptions: Count(v[0]), query_rate: q,
            sow_messages: Count(v[1]), filter_rate_per_core: f,
        };
        agree(amps::cpu::evaluate(&i, &Host::default()), cpu(&i))?;
    }

    #[test]
    fn gemstone_page_cache(kb in num(), h in host(), shmmax in prop::option::of(num())) {
        let mut h = h;
        h.kernel.shmmax = shmmax.map(Bytes);
        let i = gemstone::Input { shr_page_cache_size_kb: kb };
        agree(gemstone::evaluate(&i, &h), gemstone(&i, &h))?;
    }

    #[test]
    fn aerospike_shm(c in 0usize..6, v in prop::array::uniform2(0u64..=u64::from(u32::MAX))) {
        use aerospike::Client::*;
        let i = aerospike::Input {
            client_version: [V3_0_84, V4_1_0, V4_2_0, V4_3_21, V6_4_0, V7_4_1][c],
            shm_max_nodes: Count(v[0]), shm_max_namespaces: Count(v[1]),
            ..aerospike::Input::default()
        };
        agree(aerospike::evaluate(&i, &Host::default()), aerospike(&i))?;
    }

    #[test]
    fn connections_kernel(v in prop::array::uniform5(num()), p in num(), ips in num(), sp in 1u64..=65_535, churn in rate(),
                          range in prop::option::of((1u16..=u16::MAX, 1u16..=u16::MAX)), h in host()) {
        let mut h = h;
        h.kernel.ip_local_port_range = range.map(|(a, b)| [a.min(b), a.max(b)]);
        let i = connections::Input {
            connections: Count(v[0]), processes: Count(p.max(1)), client_ips: Count(ips.max(1)),
            server_ports: Count(sp), churn, active_connections: Count(v[1]),
            buffer_per_active: Bytes(v[2]), idle_socket_bytes: Bytes(v[3]),
            reserve_fds: Count(v[4]), ..connections::Input::default()
        };
        agree(connections::evaluate(&i, &h), connections(&i, &h))?;
    }

    #[test]
    fn vps_memory(v in prop::array::uniform19(num()), prefork in any::<bool>(), h in host(),
                  formula in 0usize..3, log_bin in 0u64..2) {
        let b = |k: usize| Bytes(v[k]);
        let i = vps::Input {
            mysql: vps::MyCnf {
                key_buffer_size: b(0), innodb_buffer_pool_size: b(1),
                innodb_additional_mem_pool_size: b(2), innodb_log_buffer_size: b(3),
                query_cache_size: b(4), tmp_table_size: b(5), max_heap_table_size: b(6),
                max_connections: Count(v[7]), sort_buffer_size: b(8), read_buffer_size: b(9),
                read_rnd_buffer_size: b(10), join_buffer_size: b(11), thread_stack: b(12),
                binlog_cache_size: b(13), log_bin, max_allowed_packet: b(17),
                aria_pagecache_buffer_size: b(18),
            },
            mysql_formula: [
                vps::MysqlFormula::TuningPrimer,
                vps::MysqlFormula::Mysqltuner29,
                vps::MysqlFormula::Mysqltuner21,
            ][formula],
            web: if prefork {
                vps::Web::Prefork { max_request_workers: Count(v[14]), child_rss: b(15) }
            } else {
                vps::Web::Event { rss: b(15) }
            },
            other: b(16),
        };
        agree(vps::evaluate(&i, &h), vps(&i, &h))?;
    }
}

/// The reference agrees with the documents' own examples, so a shared
/// misreading cannot hide behind agreement.
#[test]
fn the_reference_reproduces_the_documents_examples() {
    let figures = memory(&amps::memory::Input::EXAMPLE_25_2).unwrap();
    assert_eq!(figures[0], n(54_156_819_200));
    let figures = network(&amps::network::Input::EXAMPLE_25_7).unwrap();
    assert_eq!(figures[..2], [n(9_050_000), n(72_400_000)]);
    let a = aerospike(&aerospike::Input {
        client_version: aerospike::Client::V3_0_84,
        ..aerospike::Input::default()
    });
    assert_eq!(a.unwrap()[0], n(263_224));
}
