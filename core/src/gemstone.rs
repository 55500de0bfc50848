//! GemStone/S (MagLev) shared page cache (result id `gemstone.page_cache`),
//! and [`segment_vs_host`]: one System V shared memory segment against the
//! host's RAM, kernel.shmmax and kernel.shmall, reused by other calculators.

use serde::{Deserialize, Serialize};

use crate::finding::Finding;
use crate::host::Host;
use crate::registry::{defaults_of, Calculator, Capacity, Field, Kind, QuantityDoc, System};
use crate::report::{exact, n, CalcError, CalcResult, Quantity, Source, Step, Term, Unit};
use crate::units::Bytes;
use crate::validate::rules::{self, Rule};

pub const ID: &str = "gemstone.page_cache";

pub const SOURCE: Source = Source {
    document: "\"Maglev on AWS t1.micro\" (blog post, 16 February 2014)",
    section: "From a Yak to a Solution; the maglev pcmon.log excerpt",
    excerpt: "If you want to run maglev on a small AWS instance you probably need to reduce the shared page cache size. Try adjusting the SHR_PAGE_CACHE_SIZE_KB setting in system.conf … #SHR_PAGE_CACHE_SIZE_KB = 1000000; SHR_PAGE_CACHE_SIZE_KB = 307200;",
};

pub const FORMULA: &str = "segment = ceil(SHR_PAGE_CACHE_SIZE_KB / 16) · 16 KiB · (1 + 10%)";

/// GemStone's page size: the cache is a whole number of 16 KiB pages.
pub const PAGE: u64 = 16 * 1024;

/// Overhead over the page frames, in percent. An assumption, not a figure
/// from the source: the segment also holds the page-frame table, lock and
/// process slots; 10% errs on the side of a segment that fits.
pub const OVERHEAD_PERCENT: u64 = 10;

/// Linux SHMMIN: shmget(2) rejects a smaller segment with EINVAL.
pub const SHMMIN: u64 = 1;

/// Share of RAM recommended for the cache segment, so the stone's and gems'
/// private memory and the page cache of the OS still fit.
pub const RECOMMENDED_RAM_PERCENT: u64 = 50;

/// The `system.conf` setting, as written there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Input {
    /// SHR_PAGE_CACHE_SIZE_KB, in KiB (GemStone's KB are 1024 bytes).
    /// Default 1000000, MagLev's shipped system.conf.
    pub shr_page_cache_size_kb: u64,
}

impl Default for Input {
    fn default() -> Self {
        Input { shr_page_cache_size_kb: 1_000_000 }
    }
}

/// The segment a stone asks shmget(2) for: the cache rounded up to whole
/// 16 KiB pages, plus [`OVERHEAD_PERCENT`].
pub fn segment_size(cache_kb: u64) -> Option<u64> {
    let p = segment_parts(cache_kb)?;
    p.cache.checked_add(p.overhead)
}

/// The parts of the segment, as [`evaluate`] shows them.
struct SegmentParts {
    /// 16 KiB page frames, the cache rounded up to whole pages.
    frames: u64,
    /// The frames' bytes.
    cache: u64,
    /// [`OVERHEAD_PERCENT`] of the frames' bytes, rounded up once.
    overhead: u64,
}

fn segment_parts(cache_kb: u64) -> Option<SegmentParts> {
    let frames = cache_kb.checked_add(15)? / 16;
    let cache = frames.checked_mul(PAGE)?;
    // Its product in u128: it may pass 2^64.
    let overhead = (u128::from(cache) * u128::from(OVERHEAD_PERCENT)).div_ceil(100);
    Some(SegmentParts { frames, cache, overhead: u64::try_from(overhead).ok()? })
}

/// The rules a System V segment is judged by: the same four checks for any
/// program that asks shmget(2) for one, under that program's own ids.
pub struct SegmentRules {
    pub shmmin: Rule,
    pub shmmax: Rule,
    pub shmall: Rule,
    pub ram: Rule,
}

/// The shared page cache's segment rules, the same for a plan and for a
/// system.conf check.
pub const SEGMENT_RULES: SegmentRules = SegmentRules {
    shmmin: rules::GEMSTONE_CACHE_SHMMIN,
    shmmax: rules::GEMSTONE_CACHE_SHMMAX,
    shmall: rules::GEMSTONE_CACHE_SHMALL,
    ram: rules::GEMSTONE_CACHE_RAM,
};

/// Findings for one shared memory segment of `size` bytes on `host`, raised
/// under the rules `under` names.
///
/// shmget(2): EINVAL when the size is below SHMMIN or above SHMMAX, ENOSPC
/// when it would exceed SHMALL pages system-wide. A segment larger than RAM
/// (with no swap) cannot be backed: it fails, and MagLev's installer sizes
/// shmmax from RAM, which is why the source's stone got EINVAL.
pub fn segment_vs_host(under: &SegmentRules, size: Bytes, host: &Host) -> Vec<Finding> {
    let why = "shmget(2): EINVAL if size < SHMMIN or size > SHMMAX; ENOSPC if all segments \
               would exceed SHMALL pages; source 000, pcmon.log excerpt";
    let mut out = Vec::new();
    let size_b = size.get();
    if size_b < SHMMIN {
        out.push(
            Finding::new(
                &under.shmmin,
                "the segment is smaller than SHMMIN: shmget fails with EINVAL",
            )
            .why(why),
        );
    }
    if let Some(max) = host.kernel.shmmax {
        if size_b > max.get() {
            out.push(
                Finding::new(
                    &under.shmmax,
                    format!(
                        "the segment ({}) is larger than kernel.shmmax ({}): shmget fails with \
                         EINVAL",
                        size.both(),
                        max.both()
                    ),
                )
                .why(why)
                .fix(format!("sysctl -w kernel.shmmax={size_b}")),
            );
        }
    }
    if let (Some(all), Some(all_b)) = (host.kernel.shmall, host.shmall_bytes()) {
        if size_b > all_b.get() {
            let pages = size_b.div_ceil(host.page_size.get().max(1));
            out.push(
                Finding::new(
                    &under.shmall,
                    format!(
                        "the segment needs {pages} pages, more than kernel.shmall ({}): shmget \
                         fails with ENOSPC",
                        all.get()
                    ),
                )
                .why(why)
                .fix(format!("sysctl -w kernel.shmall={pages}")),
            );
        }
    }
    let ram = host.memory_total().get();
    if size_b > ram {
        out.push(
            Finding::new(
                &under.ram,
                format!(
                    "the segment ({}) is larger than RAM and swap ({}): with kernel.shmmax sized \
                     from RAM shmget fails with EINVAL, otherwise the host thrashes",
                    size.both(),
                    Bytes(ram).both()
                ),
            )
            .why(why),
        );
    }
    out
}

/// The shared page cache segment for `input` on `host`.
///
/// Source 000 ("Maglev on AWS t1.micro"): the default
/// `SHR_PAGE_CACHE_SIZE_KB = 1000000` failed on a t1.micro (613 MiB) with
/// `shmget() error = errno=22,EINVAL`; `307200` worked.
pub fn evaluate(input: &Input, host: &Host) -> Result<CalcResult, CalcError> {
    let field = "shr_page_cache_size_kb";
    if input.shr_page_cache_size_kb == 0 {
        return Err(CalcError::Invalid {
            field: field.into(),
            reason: "must be at least 1".into(),
        });
    }
    let overflow = || CalcError::Overflow { field: field.into() };
    let kb = input.shr_page_cache_size_kb;
    let SegmentParts { frames, cache, overhead } = segment_parts(kb).ok_or_else(overflow)?;
    let segment = cache.checked_add(overhead).ok_or_else(overflow)?;
    let mut findings = segment_vs_host(&SEGMENT_RULES, Bytes(segment), host);
    let fit = recommendation(host);
    let recommended = fit.kb;
    let mut steps = vec![
        Step::new("frames", format!("⌈{} KiB ÷ 16 KiB⌉", n(kb)), frames, Unit::Count),
        Step::new(
            "cache",
            format!("{} × {}", n(frames), exact(PAGE, Unit::Bytes)),
            cache,
            Unit::Bytes,
        ),
        Step::new(
            "overhead",
            format!("⌈{} × {OVERHEAD_PERCENT}%⌉", exact(cache, Unit::Bytes)),
            overhead,
            Unit::Bytes,
        ),
        Step::new(
            "segment",
            format!("{} + {}", exact(cache, Unit::Bytes), exact(overhead, Unit::Bytes)),
            segment,
            Unit::Bytes,
        ),
        Step::new(
            "RAM × 50%",
            format!("⌊{} × {RECOMMENDED_RAM_PERCENT}%⌋", exact(host.ram.get(), Unit::Bytes)),
            fit.half_ram,
            Unit::Bytes,
        ),
    ];
    // The kernel's limits, where the host gives them, bound the segment too.
    if fit.limit_known {
        let mut limit = exact(fit.half_ram, Unit::Bytes);
        if let Some(m) = host.kernel.shmmax {
            limit = format!("min({limit}, {})", exact(m.get(), Unit::Bytes));
        }
        if let Some(pages) = host.kernel.shmall {
            let page = exact(host.page_size.get(), Unit::Bytes);
            limit = format!("min({limit}, {} × {page})", n(pages.get()));
        }
        steps.push(Step::new("limit", limit, fit.limit, Unit::Bytes));
    }
    steps.push(Step::new(
        "largest cache",
        format!("⌊{} ÷ {}%⌋", exact(fit.limit, Unit::Bytes), 100 + OVERHEAD_PERCENT),
        fit.cache,
        Unit::Bytes,
    ));
    steps.push(Step::new(
        "recommended_kb",
        format!("⌊{} ÷ 1,048,576 B⌋ × 1,024", exact(fit.cache, Unit::Bytes)),
        recommended,
        Unit::Count,
    ));
    // Too big for RAM: the fix is a smaller cache, not a kernel setting.
    for f in findings.iter_mut().filter(|f| f.id == SEGMENT_RULES.ram.id) {
        f.fix = Some(format!("SHR_PAGE_CACHE_SIZE_KB = {recommended};"));
    }
    findings.push(
        Finding::new(
            &rules::GEMSTONE_CACHE_RECOMMENDED,
            format!(
                "a cache of {recommended} KB keeps the segment within kernel limits and \
                 {RECOMMENDED_RAM_PERCENT}% of RAM"
            ),
        )
        .fix(format!("SHR_PAGE_CACHE_SIZE_KB = {recommended};")),
    );
    Ok(CalcResult {
        quantities: vec![
            Quantity {
                name: "segment",
                label: "Shared memory segment",
                value: segment,
                unit: Unit::Bytes,
            },
            Quantity {
                name: "recommended_kb",
                label: "Recommended SHR_PAGE_CACHE_SIZE_KB (KiB)",
                value: recommended,
                unit: Unit::Count,
            },
        ],
        terms: vec![
            Term {
                symbol: "frames",
                label: "16 KiB page frames",
                value: frames,
                unit: Unit::Count,
            },
            Term { symbol: "cache", label: "page frames, bytes", value: cache, unit: Unit::Bytes },
            Term {
                symbol: "overhead",
                label: "assumed 10% overhead",
                value: overhead,
                unit: Unit::Bytes,
            },
        ],
        findings,
        steps,
        ..CALCULATOR.result()
    })
}

/// Largest cache (whole MiB, in KiB) whose segment fits shmmax, shmall and
/// [`RECOMMENDED_RAM_PERCENT`] of RAM.
pub fn recommended_kb(host: &Host) -> u64 {
    recommendation(host).kb
}

/// How [`recommended_kb`] is worked out, as [`evaluate`] shows it.
struct Recommendation {
    /// [`RECOMMENDED_RAM_PERCENT`] of RAM, rounded down.
    half_ram: u64,
    /// The smallest of that, kernel.shmmax and kernel.shmall's bytes.
    limit: u64,
    /// The host gives kernel.shmmax or kernel.shmall.
    limit_known: bool,
    /// The largest cache whose segment fits `limit`, bytes.
    cache: u64,
    kb: u64,
}

fn recommendation(host: &Host) -> Recommendation {
    // Each step rounds down once from the exact value (u64 × 50 fits u128).
    let half_ram = (u128::from(host.ram.get()) * u128::from(RECOMMENDED_RAM_PERCENT) / 100) as u64;
    let mut limit = half_ram;
    if let Some(m) = host.kernel.shmmax {
        limit = limit.min(m.get());
    }
    if let Some(a) = host.shmall_bytes() {
        limit = limit.min(a.get());
    }
    // segment = cache · 1.1, so cache = segment / 1.1.
    let cache = (u128::from(limit) * 100 / u128::from(100 + OVERHEAD_PERCENT)) as u64;
    Recommendation {
        half_ram,
        limit,
        limit_known: host.kernel.shmmax.is_some() || host.kernel.shmall.is_some(),
        cache,
        kb: cache / (1024 * 1024) * 1024,
    }
}

/// The registry entry: what the plan, the page and the docs show of this
/// calculator.
pub const CALCULATOR: Calculator = Calculator {
    id: ID,
    title: "GemStone page cache",
    system: System::Gemstone,
    source: SOURCE,
    formula: FORMULA,
    notes: "The segment must fit kernel.shmmax and kernel.shmall (in pages) and the RAM; shmget fails with EINVAL otherwise.",
    capacity: Capacity::Ram,
    occupies: Some("segment"),
    fields: &[
        Field::new("shr_page_cache_size_kb", "SHR_PAGE_CACHE_SIZE_KB", Kind::Kib, "The cache in KiB (GemStone's KB are 1024 bytes); MagLev ships 1000000."),
    ],
    groups: &[],
    variants: &[],
    quantities: &[
        QuantityDoc { name: "segment", unit: Unit::Bytes, meaning: "ceil(KB / 16)·16 KiB·(1 + 10%)" },
        QuantityDoc { name: "recommended_kb", unit: Unit::Count, meaning: "the largest SHR_PAGE_CACHE_SIZE_KB that fits the host" },
    ],
    findings: &[
        rules::GEMSTONE_CACHE_SHMMIN,
        rules::GEMSTONE_CACHE_SHMMAX,
        rules::GEMSTONE_CACHE_SHMALL,
        rules::GEMSTONE_CACHE_RAM,
        rules::GEMSTONE_CACHE_RECOMMENDED,
    ],
    defaults: defaults_of::<Input>,
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Severity;
    use crate::units::Count;
    use proptest::prelude::*;

    fn t1_micro() -> Host {
        Host { ram: Bytes(613 * Bytes::MIB), swap: Bytes(0), ..Host::default() }
    }

    fn errors(r: &CalcResult) -> Vec<String> {
        r.findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .map(|f| f.id.to_string())
            .collect()
    }

    #[test]
    fn maglev_default_fails_on_t1_micro_with_einval() {
        let r = evaluate(&Input::default(), &t1_micro()).unwrap();
        // 62,500 frames · 16 KiB = 1,024,000,000; +10% = 1,126,400,000.
        assert_eq!(r.quantity("segment"), Some(1_126_400_000));
        assert_eq!(errors(&r), ["gemstone.page_cache.ram"]);
        let f = &r.findings[0];
        assert!(f.message.contains("EINVAL"), "{}", f.message);
        assert_eq!(f.fix.as_deref(), Some("SHR_PAGE_CACHE_SIZE_KB = 284672;"));
    }

    /// The post's t1.micro with MagLev's default cache, worked out with
    /// its figures.
    #[test]
    fn maglev_default_worked_out_with_its_figures() {
        let r = evaluate(&Input::default(), &t1_micro()).unwrap();
        let lines = r.step_lines();
        assert_eq!(
            lines,
            [
                "frames = ⌈1,000,000 KiB ÷ 16 KiB⌉ = 62500",
                "cache = 62,500 × 16,384 B = 1024000000",
                "overhead = ⌈1,024,000,000 B × 10%⌉ = 102400000",
                "segment = 1,024,000,000 B + 102,400,000 B = 1126400000",
                "RAM × 50% = ⌊642,777,088 B × 50%⌋ = 321388544",
                "largest cache = ⌊321,388,544 B ÷ 110%⌋ = 292171403",
                "recommended_kb = ⌊292,171,403 B ÷ 1,048,576 B⌋ × 1,024 = 284672",
            ]
        );
    }

    /// With shmmax and shmall known, the limit is the smallest of the three.
    #[test]
    fn the_kernels_limits_are_worked_out_too() {
        let mut host = t1_micro();
        host.kernel.shmmax = Some(Bytes(300_000_000));
        host.kernel.shmall = Some(Count(50_000));
        let r = evaluate(&Input { shr_page_cache_size_kb: 307_200 }, &host).unwrap();
        let limit = r.steps.iter().find(|s| s.symbol == "limit").unwrap();
        assert_eq!(limit.working, "min(min(321,388,544 B, 300,000,000 B), 50,000 × 4,096 B)");
        assert_eq!(limit.value, 204_800_000);
    }

    #[test]
    fn the_posts_307200_passes() {
        let r = evaluate(&Input { shr_page_cache_size_kb: 307_200 }, &t1_micro()).unwrap();
        assert_eq!(r.quantity("segment"), Some(346_030_080));
        assert!(errors(&r).is_empty());
    }

    #[test]
    fn shmmax_shmall_and_recommendation() {
        let mut host = t1_micro();
        host.kernel.shmmax = Some(Bytes(300_000_000));
        host.kernel.shmall = Some(Count(50_000));
        let r = evaluate(&Input { shr_page_cache_size_kb: 307_200 }, &host).unwrap();
        assert_eq!(errors(&r), ["gemstone.page_cache.shmmax", "gemstone.page_cache.shmall"]);
        assert!(r.findings[0].message.contains("EINVAL"));
        assert_eq!(r.findings[0].fix.as_deref(), Some("sysctl -w kernel.shmmax=346030080"));
        assert!(r.findings[1].message.contains("ENOSPC"));
        // 346,030,080 / 4096 = 84,480 pages.
        assert_eq!(r.findings[1].fix.as_deref(), Some("sysctl -w kernel.shmall=84480"));
        // shmall 50,000 · 4096 = 204.8 MB is the tightest limit.
        let rec = r.quantity("recommended_kb").unwrap();
        let seg = segment_size(rec).unwrap();
        assert!(seg <= 204_800_000 && segment_size(rec + 1024).unwrap() > 204_800_000);
    }

    #[test]
    fn segment_vs_host_is_reusable_and_checks_shmmin() {
        let f = segment_vs_host(&crate::aerospike::SEGMENT_RULES, Bytes(0), &t1_micro());
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].id, "aerospike.shm.shmmin");
        assert!(segment_vs_host(&SEGMENT_RULES, Bytes(531_576), &t1_micro()).is_empty());
    }

    #[test]
    fn zero_and_overflow_are_typed_errors() {
        assert!(matches!(
            evaluate(&Input { shr_page_cache_size_kb: 0 }, &t1_micro()),
            Err(CalcError::Invalid { .. })
        ));
        assert_eq!(
            evaluate(&Input { shr_page_cache_size_kb: u64::MAX }, &t1_micro()),
            Err(CalcError::Overflow { field: "shr_page_cache_size_kb".into() })
        );
    }

    proptest! {
        #[test]
        fn any_input_is_ok_or_typed(kb in any::<u64>(), ram in any::<u64>(), max in any::<u64>(),
                                    all in any::<u64>()) {
            let mut host = t1_micro();
            host.ram = Bytes(ram);
            host.kernel.shmmax = Some(Bytes(max));
            host.kernel.shmall = Some(Count(all));
            // The segment again in u128: whole 16 KiB pages, + 10% rounded up.
            let model = |kb: u64| {
                let cache = u128::from(kb).div_ceil(16) * 16 * 1024;
                cache + (cache * 10).div_ceil(100)
            };
            let exact = model(kb);
            match evaluate(&Input { shr_page_cache_size_kb: kb }, &host) {
                Ok(r) => prop_assert_eq!(r.quantity("segment").map(u128::from), Some(exact)),
                Err(CalcError::Invalid { .. }) => prop_assert_eq!(kb, 0),
                Err(CalcError::Overflow { .. }) => prop_assert!(exact > u128::from(u64::MAX)),
                Err(e) => prop_assert!(false, "unexpected error {e}"),
            }
            // The recommendation is whole MiB and its segment fits every limit.
            let rec = recommended_kb(&host);
            prop_assert_eq!(rec % 1024, 0);
            let half = (u128::from(ram) * 50 / 100) as u64;
            let limit = [Some(half), Some(max), host.shmall_bytes().map(Bytes::get)]
                .into_iter().flatten().min().unwrap();
            prop_assert!(model(rec) <= u128::from(limit), "{rec} KiB for {limit}");
        }

        #[test]
        fn segment_never_shrinks(kb in 0u64..1 << 50, more in 0u64..1 << 20) {
            prop_assert!(segment_size(kb + more).unwrap() >= segment_size(kb).unwrap());
        }
    }
}
