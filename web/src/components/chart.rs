//! A bar chart of a result's terms, hand-drawn in SVG, with the host's
//! capacity beside them so the dominant terms and the margin show at a glance.

use headroom_core::report::{CalcResult, Unit};
use yew::prelude::*;

use headroom_core::present::format_value;

#[derive(Properties, PartialEq)]
pub struct ChartProps {
    pub id: AttrValue,
    pub data: ChartData,
}

/// One bar: its label, value and CSS class (`bar`, `bar total`, ...).
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub label: String,
    pub value: u64,
    pub class: &'static str,
}

/// What a chart draws: bars in one unit.
#[derive(Debug, Clone, PartialEq)]
pub struct ChartData {
    pub unit: Unit,
    pub bars: Vec<Bar>,
    pub summary: String,
}

/// The chart of a result: its terms in bytes (or, without byte terms, in the
/// unit they all share); then its figures in that unit when they are bytes
/// or the host's capacity is in that unit, else the terms' total; then the
/// capacity, e.g. `("the host's RAM", bytes, Unit::Bytes)`, when its unit is the
/// chart's. `None` when the terms have no unit in common.
pub fn chart_data(r: &CalcResult, capacity: Option<(&str, u64, Unit)>) -> Option<ChartData> {
    let unit = if r.terms.iter().any(|t| t.unit == Unit::Bytes) {
        Unit::Bytes
    } else {
        let first = r.terms.first()?.unit;
        r.terms.iter().all(|t| t.unit == first).then_some(first)?
    };
    let capacity = capacity.filter(|c| c.2 == unit);
    let mut bars: Vec<Bar> = r
        .terms
        .iter()
        .filter(|t| t.unit == unit)
        .map(|t| Bar { label: sentence(t.label), value: t.value, class: "bar" })
        .collect();
    let total = bars.iter().fold(0u64, |a, b| a.saturating_add(b.value));
    let figures: Vec<Bar> = r
        .quantities
        .iter()
        .filter(|q| q.unit == unit && (unit == Unit::Bytes || capacity.is_some()))
        .map(|q| Bar { label: sentence(q.label), value: q.value, class: "bar total" })
        .collect();
    let largest = figures.iter().map(|b| b.value).max().unwrap_or(total);
    if figures.is_empty() {
        bars.push(Bar { label: "Total of the terms".into(), value: total, class: "bar total" });
    } else {
        bars.extend(figures);
    }
    let summary = match capacity {
        Some((label, v, _)) => {
            let class = if largest > v { "bar capacity over" } else { "bar capacity" };
            bars.push(Bar { label: sentence(label), value: v, class });
            format!(
                "{} against {label}: largest {} of {}",
                r.title,
                format_value(largest, unit),
                format_value(v, unit)
            )
        }
        None => format!("{}: terms of the total, {}", r.title, format_value(total, unit)),
    };
    Some(ChartData { unit, bars, summary })
}

/// A registry label as a bar's caption: its first letter capitalised
/// ("per-client state" -> "Per-client state").
fn sentence(label: &str) -> String {
    let mut chars = label.chars();
    chars.next().map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect())
}

/// Font size of the chart's text in SVG units (style.css sets the same).
const FONT: u64 = 13;
/// A generous average advance of one character of a sans-serif font at
/// `FONT`: about 0.6 em, so a label's estimated width is never short of its
/// drawn width for the labels the calculators use.
const CHAR_W: u64 = 8;
/// One row: the label on its own line, then the bar with its value after it.
const ROW: u64 = 40;
const BAR_H: u64 = 16;
/// The chart's narrowest drawing: bars get at least `MIN_BAR_W` units.
const MIN_W: u64 = 360;
const MIN_BAR_W: u64 = 200;
const GAP: u64 = 6;
/// Labels start this far in: a glyph such as "T" overhangs its origin to the
/// left by a unit or so, which would put it outside the drawing.
const INSET: u64 = 2;

/// Estimated drawn width of `text` in SVG units.
fn text_w(text: &str) -> u64 {
    text.chars().count() as u64 * CHAR_W
}

/// The chart's geometry: the viewBox width and the longest bar, so that every
/// label (on its own line) and every value (after its bar) lies inside the
/// drawing. The SVG scales as a whole, so what fits the viewBox fits at any
/// width the page gives it: no sideways scrolling, nothing clipped.
fn layout(data: &ChartData) -> (u64, u64) {
    let labels = data.bars.iter().map(|b| text_w(&b.label)).max().unwrap_or(0);
    let values =
        data.bars.iter().map(|b| text_w(&format_value(b.value, data.unit))).max().unwrap_or(0);
    let width = MIN_W.max(INSET + labels).max(MIN_BAR_W + GAP + values);
    (width, width - GAP - values)
}

/// Width of a bar in SVG units, `value` out of `max`, at most `bar_w`.
fn scale(value: u64, max: u64, bar_w: u64) -> u64 {
    if max == 0 {
        return 0;
    }
    let w = u128::from(value) * u128::from(bar_w) / u128::from(max);
    u64::try_from(w).unwrap_or(bar_w).max(u64::from(value > 0))
}

#[function_component(Chart)]
pub fn chart(props: &ChartProps) -> Html {
    let data = &props.data;
    let max = data.bars.iter().map(|b| b.value).max().unwrap_or(0);
    let (width, bar_w) = layout(data);
    let height = ROW * data.bars.len() as u64 + 4;
    let title_id = format!("{}-title", props.id);
    let bars = data.bars.iter().enumerate().map(|(i, bar)| {
        let y = ROW * i as u64;
        let w = scale(bar.value, max, bar_w);
        let bar_y = y + FONT + 6;
        let value_y = bar_y + BAR_H - 3;
        html! {
            <g>
                <text x={INSET.to_string()} y={(y + FONT + 2).to_string()} class="chart-label">{ bar.label.clone() }</text>
                <rect x="0" y={bar_y.to_string()} width={w.to_string()} height={BAR_H.to_string()}
                      class={bar.class} data-value={bar.value.to_string()} />
                <text x={(w + GAP).to_string()} y={value_y.to_string()} class="chart-value">{ format_value(bar.value, data.unit) }</text>
            </g>
        }
    });
    html! {
        <svg id={props.id.clone()} class="chart" viewBox={format!("0 0 {width} {height}")}
             role="img" aria-labelledby={title_id.clone()} preserveAspectRatio="xMinYMin meet">
            <title id={title_id}>{ data.summary.clone() }</title>
            { for bars }
        </svg>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(text: &str, id: &str) -> CalcResult {
        let plan = crate::engine::with_defaults(&crate::share::from_toml(text).unwrap());
        match crate::engine::evaluate(&plan).outcome(id) {
            Some(headroom_core::plan::Outcome::Result(r)) => r.clone(),
            other => panic!("{id}: {other:?}"),
        }
    }

    fn labels(d: &ChartData) -> Vec<(&str, &str)> {
        d.bars.iter().map(|b| (b.label.as_str(), b.class)).collect()
    }

    const RAM: &str = "the host's RAM";

    #[test]
    fn memory_is_drawn_term_by_term_beside_ram() {
        let r = result(crate::examples::EXAMPLE_25_2, "amps.memory");
        let d = chart_data(&r, Some((RAM, 64 << 30, Unit::Bytes))).unwrap();
        assert_eq!(
            labels(&d),
            [
                ("AMPS binary and start-up state", "bar"),
                ("SOW messages and their query indexes", "bar"),
                ("Per-client state", "bar"),
                ("Client message buffers (MessageMemoryLimit)", "bar"),
                ("Latest journal file held in memory", "bar"),
                ("Queue message metadata", "bar"),
                ("Estimated memory for AMPS", "bar total"),
                ("Recommended provisioned memory", "bar total"),
                ("The host's RAM", "bar capacity over"),
            ]
        );
        // Mixed units: only the byte terms (GemStone's frames are a count).
        let r = result("[host]\nram = \"613 MB\"\n[gemstone.page_cache]\n", "gemstone.page_cache");
        let d = chart_data(&r, Some((RAM, 613_000_000, Unit::Bytes))).unwrap();
        let classes: Vec<_> = d.bars.iter().map(|b| b.class).collect();
        assert_eq!(classes, ["bar", "bar", "bar total", "bar capacity over"]);
    }

    /// Every bar of every example is captioned by its registry label, never
    /// by a quantity's internal name or a term's symbol.
    #[test]
    fn bars_carry_human_labels_never_ids() {
        for ex in crate::examples::EXAMPLES {
            let plan = crate::engine::with_defaults(&crate::share::from_toml(ex.plan).unwrap());
            for o in crate::engine::evaluate(&plan).outcomes {
                let headroom_core::plan::Outcome::Result(r) = o else { continue };
                let Some(d) = chart_data(&r, Some((RAM, 1 << 30, Unit::Bytes))) else { continue };
                for bar in &d.bars {
                    let id = r.quantities.iter().any(|q| q.name == bar.label)
                        || r.terms.iter().any(|t| t.symbol == bar.label);
                    assert!(!id, "{}: {:?}", r.id, bar.label);
                    assert!(bar.label.starts_with(char::is_uppercase), "{}: {:?}", r.id, bar.label);
                }
            }
        }
    }

    #[test]
    fn counts_are_drawn_with_their_total_and_no_capacity() {
        let r = result(crate::examples::EXAMPLE_25_2, "amps.limits");
        let d = chart_data(&r, Some((RAM, 1, Unit::Bytes))).unwrap();
        assert_eq!(d.unit, Unit::Count);
        assert_eq!(d.bars.last().map(|b| b.label.as_str()), Some("Total of the terms"));
        assert!(d.bars.iter().all(|b| !b.class.contains("capacity")));
    }

    #[test]
    fn cpu_is_drawn_beside_the_cores() {
        let r = result(
            "[host]\ncores = 2\n[amps.cpu]\npublish_rate = \"100000/s\"\nsubscriptions = 30\n",
            "amps.cpu",
        );
        let d = chart_data(&r, Some(("the host's cores", 2000, Unit::MilliCores))).unwrap();
        let last = d.bars.last().unwrap();
        assert_eq!(
            (last.label.as_str(), last.value, last.class),
            ("The host's cores", 2000, "bar capacity over")
        );
        assert!(d.summary.contains("against the host's cores"), "{}", d.summary);
    }

    #[test]
    fn bars_scale_without_overflow() {
        assert_eq!(scale(u64::MAX, u64::MAX, 400), 400);
        assert_eq!(scale(1, u64::MAX, 400), 1);
        assert_eq!(scale(0, 0, 400), 0);
        assert_eq!(scale(50, 100, 400), 200);
    }

    #[test]
    fn the_longest_label_and_value_fit_the_drawing() {
        let bar = |label: &str, value| Bar { label: label.into(), value, class: "bar" };
        let long = "offline backlog of the simultaneous clients and then some more words";
        let data = ChartData {
            unit: Unit::Bytes,
            bars: vec![bar("a", 1), bar(long, u64::MAX)],
            summary: String::new(),
        };
        let (width, bar_w) = layout(&data);
        assert!(INSET + text_w(long) <= width, "{} > {width}", text_w(long));
        let value = format_value(u64::MAX, Unit::Bytes);
        assert!(bar_w + GAP + text_w(&value) <= width);
        // Short labels keep the bars long.
        let data = ChartData { unit: Unit::Bytes, bars: vec![bar("a", 1)], summary: String::new() };
        assert_eq!(layout(&data).0, MIN_W);
        assert!(layout(&data).1 >= MIN_BAR_W);
    }
}
