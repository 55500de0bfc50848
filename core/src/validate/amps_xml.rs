//! An AMPS configuration file (XML, read with roxmltree). Checks the SOW
//! SlabSize, MessageMemoryLimit, MessageDiskLimit/MessageDiskPath, the
//! transaction log's preallocation and the MiniDumpDirectory, against the
//! AMPS User Guide, ch. 25 "Operation and Deployment".

use roxmltree::{Document, Node};

use crate::finding::Location;
use crate::host::Host;
use crate::units::Bytes;

use super::{at_col, rules, Needs, Parsed, Setting};

use crate::amps::{RECORD_HEADER as SLAB_HEADER, STORABLE_FLOOR as SLAB_FLOOR};

fn loc(name: &str, doc: &Document<'_>, node: Node<'_, '_>) -> Location {
    let pos = doc.text_pos_at(node.range().start);
    let col = usize::try_from(pos.col).unwrap_or(1);
    at_col(name, pos.row, col)
}

/// Deepest element nesting read. AMPS configs nest a handful of levels;
/// the limit keeps a hostile file from exhausting the stack.
pub const MAX_DEPTH: usize = 256;

/// Where element nesting first passes [`MAX_DEPTH`], as (line, column), by a
/// flat scan of the tags (comments, CDATA, declarations and processing
/// instructions skipped), before any tree is built.
fn too_deep(text: &str) -> Option<(u32, u32)> {
    let b = text.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while let Some(off) = b.get(i..).and_then(|r| r.iter().position(|&c| c == b'<')) {
        let at = i + off;
        let rest = &text[at..];
        let skip_to = |end: &str| rest.find(end).map_or(b.len(), |e| at + e + end.len());
        i = if rest.starts_with("<!--") {
            skip_to("-->")
        } else if rest.starts_with("<![CDATA[") {
            skip_to("]]>")
        } else if rest.starts_with("<?") {
            skip_to("?>")
        } else if rest.starts_with("<!") {
            skip_to(">")
        } else if rest.starts_with("</") {
            depth = depth.saturating_sub(1);
            skip_to(">")
        } else {
            let end = skip_to(">");
            if !text[at..end].ends_with("/>") {
                depth += 1;
                if depth > MAX_DEPTH {
                    let line = text[..at].matches('\n').count() + 1;
                    let col = at - text[..at].rfind('\n').map_or(0, |n| n + 1) + 1;
                    let n = |v: usize| u32::try_from(v).unwrap_or(u32::MAX);
                    return Some((n(line), n(col)));
                }
            }
            end
        };
    }
    None
}

pub(crate) fn check(name: &str, text: &str, host: Option<&Host>, needs: &Needs) -> Parsed {
    let mut p = Parsed::default();
    if let Some((line, col)) = too_deep(text) {
        p.findings.push(
            rules::AMPS_XML_SYNTAX
                .finding(format!("elements nested more than {MAX_DEPTH} deep: not an AMPS configuration, and not read further"))
                .fix("an AMPS config nests a few levels: AMPSConfig > SOW > Topic > ...")
                .at(at_col(name, line, usize::try_from(col).unwrap_or(1))),
        );
        return p;
    }
    let doc = match Document::parse(text) {
        Ok(d) => d,
        Err(e) => {
            let pos = e.pos();
            let col = usize::try_from(pos.col).unwrap_or(1);
            p.findings.push(
                rules::AMPS_XML_SYNTAX
                    .finding(format!("not well-formed XML: {e}"))
                    .at(at_col(name, pos.row, col)),
            );
            return p;
        }
    };
    // Every element with text, as settings (`Parent/Child`), and its size.
    let size_of = |node: Node<'_, '_>, p: &mut Parsed| -> Option<u64> {
        let text = node.text()?.trim();
        match Bytes::parse(text) {
            Ok(b) => Some(b.get()),
            Err(e) => {
                p.findings.push(
                    rules::AMPS_XML_BAD_SIZE
                        .finding(format!(
                            "<{}>{text}</{}>: {e}",
                            node.tag_name().name(),
                            node.tag_name().name()
                        ))
                        .fix(format!("<{0}>1MB</{0}>", node.tag_name().name()))
                        .at(loc(name, &doc, node)),
                );
                None
            }
        }
    };
    let elements: Vec<Node<'_, '_>> = doc.descendants().filter(Node::is_element).collect();
    for node in &elements {
        if let Some(t) = node.text().map(str::trim).filter(|t| !t.is_empty()) {
            if node.children().all(|c| !c.is_element()) {
                let parent = node.parent_element().map_or("", |p| p.tag_name().name());
                p.settings.push(Setting {
                    key: format!("{parent}/{}", node.tag_name().name()),
                    value: t.to_string(),
                    location: loc(name, &doc, *node),
                });
            }
        }
    }
    let named =
        |tag: &'static str| elements.iter().copied().filter(move |n| n.tag_name().name() == tag);
    for slab in named("SlabSize").collect::<Vec<_>>() {
        let Some(bytes) = size_of(slab, &mut p) else { continue };
        let storable = bytes.saturating_sub(SLAB_HEADER).max(SLAB_FLOOR);
        if let Some(max) = needs.max_message_size.map(|b| b.get()).filter(|&m| m > storable) {
            p.findings.push(
                rules::AMPS_XML_SLAB
                    .finding(format!("SlabSize {bytes} B stores messages up to {storable} B (SlabSize - 64 B, at least 1 MB); the largest message is {max} B"))
                    .fix(format!("<SlabSize>{}</SlabSize>", Bytes(max.saturating_mul(4)).exact().replace(' ', "")))
                    .at(loc(name, &doc, slab)),
            );
        }
    }
    let mut memory_total: u64 = 0;
    let mut memory_node = None;
    for m in named("MessageMemoryLimit").collect::<Vec<_>>() {
        if let Some(b) = size_of(m, &mut p) {
            memory_total = memory_total.saturating_add(b);
            memory_node.get_or_insert(m);
        }
    }
    if let (Some(node), Some(ram)) = (memory_node, host.map(|h| h.ram.get()).filter(|&r| r > 0)) {
        let pct = u128::from(memory_total) * 100 / u128::from(ram);
        let ten = ram / 10;
        let rule = if pct > 20 {
            Some(rules::AMPS_XML_MEMORY_HIGH)
        } else if pct > 10 {
            Some(rules::AMPS_XML_MEMORY_START)
        } else {
            None
        };
        if let Some(rule) = rule {
            p.findings.push(
                rule.finding(format!("MessageMemoryLimit totals {memory_total} B, {pct}% of the host's RAM: start at 10% and use caution over 20% (memory for client messages may cause swapping)"))
                    .fix(format!("<MessageMemoryLimit>{}</MessageMemoryLimit>", Bytes(ten).exact().replace(' ', "")))
                    .at(loc(name, &doc, node)),
            );
        }
    }
    let disk_limit = named("MessageDiskLimit").next();
    if let Some(d) = disk_limit {
        if let Some(db) = size_of(d, &mut p) {
            if memory_node.is_some() && db < memory_total {
                p.findings.push(
                    rules::AMPS_XML_DISK_LIMIT
                        .finding(format!("MessageDiskLimit {db} B is below MessageMemoryLimit {memory_total} B: the recommended start is the greater of the two"))
                        .fix(format!("<MessageDiskLimit>{}</MessageDiskLimit>", Bytes(memory_total).exact().replace(' ', "")))
                        .at(loc(name, &doc, d)),
                );
            }
        }
        if named("MessageDiskPath").next().is_none() {
            p.findings.push(
                rules::AMPS_XML_DISK_PATH
                    .finding("MessageDiskLimit without MessageDiskPath: offline messages go to the default path, not to fast, large storage")
                    .fix("<MessageDiskPath>/fast/amps/offline</MessageDiskPath>")
                    .at(loc(name, &doc, d)),
            );
        }
    }
    for tx in named("TransactionLog").collect::<Vec<_>>() {
        if let Some(j) = tx.descendants().find(|n| n.tag_name().name() == "JournalSize") {
            let _ = size_of(j, &mut p);
        }
        if !tx.descendants().any(|n| n.tag_name().name() == "PreallocatedJournalFiles") {
            p.findings.push(
                rules::AMPS_XML_JOURNAL
                    .finding("the transaction log preallocates no journal files: latency-sensitive applications should preallocate enough for a working day")
                    .fix("<PreallocatedJournalFiles>N</PreallocatedJournalFiles> (N = a day's journal / JournalSize)")
                    .at(loc(name, &doc, tx)),
            );
        }
    }
    if let Some(root) = elements.first().copied() {
        let dir = named("MiniDumpDirectory").next();
        let in_tmp = dir.and_then(|d| d.text()).map(str::trim);
        if dir.is_none() || in_tmp.is_some_and(|t| t == "/tmp" || t.starts_with("/tmp/")) {
            p.findings.push(
                rules::AMPS_XML_MINIDUMP
                    .finding("minidumps go to /tmp (the default): they are lost on reboot and nobody watches the directory")
                    .fix("<MiniDumpDirectory>/var/lib/amps/minidumps</MiniDumpDirectory>")
                    .at(loc(name, &doc, dir.unwrap_or(root))),
            );
        }
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depth_is_counted_over_tags_only() {
        let ok = "<?xml version=\"1.0\"?><!-- <a><a> --><A><B/><C><![CDATA[<x><x>]]></C></A>";
        assert_eq!(too_deep(ok), None);
        let deep = format!("<AMPSConfig>\n{}", "<a>".repeat(MAX_DEPTH));
        assert_eq!(too_deep(&deep), Some((2, 3 * 255 + 1)));
        let flat = "<a></a>".repeat(10 * MAX_DEPTH);
        assert_eq!(too_deep(&flat), None);
    }
}
