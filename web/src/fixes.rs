//! The generated drop-ins (sysctl.d, limits.d, systemd) and `sysctl -w`
//! commands for the plan, from the core's fixes.

use headroom_core::fixes::{self, Service};
use headroom_core::plan::Plan;
use headroom_core::validate::Needs;

const SCRIPT_HEAD: &str = "\
# Written by Headroom from the plan; it only raises. A value the plan does not
# know is read off this host first and set only where the host's is lower.
";

/// One generated file.
pub struct DropIn {
    pub id: String,
    pub title: String,
    pub text: String,
    pub filename: String,
}

/// The drop-ins that set the host right for the plan (the page's valid
/// plan); none while the host does not parse.
pub fn dropins(plan: Option<&Plan>) -> Vec<DropIn> {
    let Some(plan) = plan else { return Vec::new() };
    let fixes = fixes::generate(&plan.host, &Needs::from_plan(plan), &Service::default());
    let summary = fixes.summary();
    let mut out: Vec<DropIn> = fixes
        .files
        .into_iter()
        .enumerate()
        .map(|(i, f)| DropIn {
            id: format!("dropin-{i}"),
            title: f.path.clone(),
            filename: f.path.rsplit('/').next().unwrap_or("headroom.conf").to_string(),
            text: f.text,
        })
        .collect();
    if !fixes.decisions.is_empty() {
        out.push(DropIn {
            id: "dropin-values".into(),
            title: "Every value the plan needs: raised or kept (nothing is lowered)".into(),
            text: summary,
            filename: "headroom-values.txt".into(),
        });
    }
    if !fixes.commands.is_empty() {
        out.push(DropIn {
            id: "dropin-commands".into(),
            title: "Run as root on the host: the values above now, and each value not known \
                    here only where the host's is lower (then kept for the next boot)"
                .into(),
            text: format!("#!/bin/sh\n{SCRIPT_HEAD}{}\n", fixes.commands.join("\n")),
            filename: "headroom-sysctl.sh".into(),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_amps_plan_gets_its_drop_ins() {
        let plan: Plan = toml::from_str(crate::examples::EXAMPLE_25_2).unwrap();
        let files = dropins(Some(&plan));
        // Nothing known of the host: no file, only the script that compares.
        assert!(files.iter().all(|d| !d.title.starts_with("/etc/")), "{:?}", titles(&files));
        let script = files.iter().find(|d| d.id == "dropin-commands").unwrap();
        assert!(script.text.contains("[ \"$(sysctl -n fs.aio-max-nr)\" -lt 1048576 ]"));
        let known =
            format!("{}\n[host.kernel]\naio_max_nr = 65536\n", crate::examples::EXAMPLE_25_2);
        let files = dropins(Some(&toml::from_str(&known).unwrap()));
        let sysctl = files.iter().find(|d| d.title == "/etc/sysctl.d/99-zz-headroom.conf");
        assert!(
            sysctl.unwrap().text.contains("\nfs.aio-max-nr = 1048576\n"),
            "{:?}",
            titles(&files)
        );
        let script = files.iter().find(|d| d.id == "dropin-commands").unwrap();
        assert!(script.text.contains("\nsysctl -w fs.aio-max-nr=\"1048576\"\n"), "{}", script.text);
    }

    fn titles(files: &[DropIn]) -> Vec<&str> {
        files.iter().map(|d| d.title.as_str()).collect()
    }

    /// The page writes what the CLI writes: nothing for an Aerospike client
    /// on a stock host, and says which values it kept.
    #[test]
    fn an_aerospike_plan_lowers_nothing_and_says_so() {
        let plan: Plan = toml::from_str(include_str!("../../examples/aerospike.toml")).unwrap();
        let files = dropins(Some(&plan));
        assert_eq!(files.len(), 1, "only the list of values");
        assert!(
            files[0].text.contains("kernel.shmmax: keep 18446744073692774399"),
            "{}",
            files[0].text
        );
    }
}
