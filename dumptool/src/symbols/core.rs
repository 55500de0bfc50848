//! Core files through the same host lookup as minidumps: each thread's
//! registers (from NT_PRSTATUS) are unwound by framehop over the core's
//! memory, and every frame is named as a minidump's would be.

use super::{locate::parse_hex, Arch, HostSymbols, Locator, ModuleRef};
use crate::summary::{Frame, Hex, Module, Thread};

/// Frames past this are not followed (a corrupt stack can loop).
const MAX_FRAMES: usize = 256;

/// Replaces each thread's single context frame by its unwound, named stack.
pub fn unwind_threads(
    arch: Arch,
    modules: &mut [Module],
    threads: &mut [Thread],
    read: &dyn Fn(u64) -> Option<u64>,
    locator: &Locator,
) {
    let refs: Vec<ModuleRef> = modules
        .iter()
        .map(|m| ModuleRef {
            base: m.base.0,
            size: m.size,
            code_file: m.debug_file.clone().unwrap_or_else(|| m.name.clone()),
            build_id: m.code_id.as_deref().and_then(parse_hex),
        })
        .collect();
    let host = HostSymbols::load(arch, &refs, locator);
    for m in modules.iter_mut() {
        m.package = host.package(m.base.0);
    }
    for t in threads {
        let regs: Vec<(&str, u64)> =
            t.registers.iter().map(|r| (r.name.as_str(), r.value.0)).collect();
        let addresses = host.unwind_stack(&regs, &mut |a| read(a), MAX_FRAMES);
        if addresses.is_empty() {
            continue;
        }
        let mut frames = Vec::new();
        for (i, &addr) in addresses.iter().enumerate() {
            // A caller's return address is past its call: name the call.
            let instruction = if i == 0 { addr } else { addr.saturating_sub(1) };
            let trust = match i {
                0 => "context",
                _ if host.has_cfi(addresses[i - 1]) => "cfi",
                _ => "frame pointer",
            };
            let module = modules.iter().find(|m| instruction.wrapping_sub(m.base.0) < m.size);
            let frame = |function: Option<String>, source: Option<String>, trust: &str| Frame {
                instruction: Hex(instruction),
                module: module.map(|m| m.name.clone()),
                module_offset: module.map(|m| Hex(instruction - m.base.0)),
                function,
                source,
                trust: trust.to_string(),
                named_by: None,
            };
            let source =
                |l: &Option<super::Line>| l.as_ref().map(|l| format!("{}:{}", l.file, l.line));
            match host.lookup(instruction) {
                Some(named) => {
                    for (name, line) in named.inlined.iter().rev() {
                        frames.push(Frame {
                            named_by: Some(named.named_by.clone()),
                            ..frame(Some(name.clone()), source(line), "inlined")
                        });
                    }
                    frames.push(Frame {
                        named_by: Some(named.named_by.clone()),
                        ..frame(Some(named.function), source(&named.line), trust)
                    });
                }
                None => frames.push(frame(None, None, trust)),
            }
        }
        t.frames = frames;
    }
}
