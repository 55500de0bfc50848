//! Format detection on near misses (a file one marker short of a format),
//! version boundaries of the my.cnf rules, and the size limit of a pasted
//! file: the cases where a flipped condition would change the answer.

use headroom_core::validate::detect::detect;
use headroom_core::validate::rules::{MYCNF_REMOVED, MYCNF_SKIP_INNODB};
use headroom_core::validate::{
    check_files, check_text, Context, DbVersion, Format, Needs, ValidateError, MAX_TEXT,
};

#[test]
fn near_misses_are_not_taken_for_a_format() {
    let cases: &[(&str, Option<Format>)] = &[
        // Comments do not count towards the majority a format needs.
        ("# a\n# b\n# c\nfs.file-max = 1\n", Some(Format::Sysctl)),
        ("; a\n; b\n; c\nkey_buffer_size = 2M\n", Some(Format::Mycnf)),
        ("\n\n\nfs.file-max = 1\n", Some(Format::Sysctl)),
        // A file of comments only is named by its comments.
        ("# see sysctl.d(5)\n", Some(Format::Sysctl)),
        ("# read by pam_limits\n", Some(Format::Limits)),
        ("# <domain> <type> <item> <value>\n", Some(Format::Limits)),
        ("# hello\n", None),
        // A unit's Limit= lines are not /proc/PID/limits, nor is a stray
        // "Hard Limit".
        ("[Service]\nLimitNOFILE=1 Soft Limit\n", Some(Format::Systemd)),
        ("[Service]\nDescription=Hard Limit test\n", Some(Format::Systemd)),
        // ipcs: the header alone, and rows one field short of a row.
        ("------ Shared Memory Segments --------\nkey shmid owner\n", Some(Format::Ipcs)),
        ("0xa7000000 622592 root 666 263224\n", None),
        ("0xa7000000 abc root 666 263224 0\n", None),
        ("0xa7000000 622592 root 666 big 0\n", None),
        ("a7000000 622592 root 666 263224 0\n", None),
        // Aerospike: any one of its three keys.
        ("shm_key 0xA7000000\n", Some(Format::AerospikeConf)),
        ("shm_max_nodes 16\n", Some(Format::AerospikeConf)),
        ("shm_max_namespaces 8\n", Some(Format::AerospikeConf)),
        // my.cnf: a versioned group, !includedir, a client group; not any group.
        ("[mysqld-8.0]\nfoo = 1\n", Some(Format::Mycnf)),
        ("!includedir /etc/mysql/conf.d/\n", Some(Format::Mycnf)),
        ("[client]\nuser=x\n", Some(Format::Mycnf)),
        ("[foo]\nbar baz\n", None),
        // GemStone: upper-case keys ending in ';' or with a GemStone prefix.
        ("FOO_BAR = 1;\n", Some(Format::GemstoneConf)),
        ("SHR_X = 1\n", Some(Format::GemstoneConf)),
        ("FOO_BAR = 1\n", None),
        ("foo_bar = 1;\n", None),
        (" = 1;\n", None),
        // limits.conf: four fields with soft, hard or -.
        ("@group - nofile 5\n", Some(Format::Limits)),
        ("* soft nofile\n", None),
        ("a b c d\n", None),
        // sysctl: dotted or slashed keys of key characters only.
        ("-fs.file-max = 5\n", Some(Format::Sysctl)),
        ("fs/file-max = 5\n", Some(Format::Sysctl)),
        ("net.ipv4.conf.*.rp_filter = 1\n", Some(Format::Sysctl)),
        ("file_max = 5\n", None),
        ("fs.file max = 5\n", None),
        ("fs.file+max = 5\n", None),
        // Half the lines is enough, fewer is not.
        ("fs.file-max = 5\nhello world\n", Some(Format::Sysctl)),
        ("fs.file-max = 5\nhello world\nmore prose\n", None),
    ];
    for (text, want) in cases {
        assert_eq!(detect(text), *want, "{text:?}");
    }
}

#[test]
fn format_names_read_back() {
    for f in Format::ALL {
        assert_eq!(Format::parse(f.name()), Ok(*f));
        assert_eq!(Format::parse(&format!(" {} ", f.name())), Ok(*f));
    }
    let names: Vec<&str> = Format::ALL.iter().map(|f| f.name()).collect();
    assert_eq!(
        names,
        [
            "sysctl",
            "limits",
            "proc-limits",
            "systemd",
            "gemstone-conf",
            "gemstone-log",
            "mycnf",
            "aerospike",
            "ipcs",
            "amps-xml"
        ]
    );
    assert!(matches!(Format::parse("ini"), Err(ValidateError::UnknownFormat { .. })));
}

#[test]
fn versions_read_every_spelling() {
    let v = |mariadb, major, minor, patch| DbVersion { mariadb, major, minor, patch };
    assert_eq!(DbVersion::parse("8.0.36"), Ok(v(false, 8, 0, 36)));
    assert_eq!(DbVersion::parse("mysql 5.7"), Ok(v(false, 5, 7, 0)));
    assert_eq!(DbVersion::parse("10.6.12-MariaDB"), Ok(v(true, 10, 6, 12)));
    assert_eq!(DbVersion::parse("MariaDB 11"), Ok(v(true, 11, 0, 0)));
    assert!(matches!(DbVersion::parse("latest"), Err(ValidateError::BadVersion { .. })));
}

fn mycnf_ids(text: &str, version: &str) -> Vec<String> {
    let needs = Needs { db_version: Some(DbVersion::parse(version).unwrap()), ..Needs::default() };
    let ctx = Context { host: None, needs: Some(&needs) };
    let r = check_text("my.cnf", text, Some(Format::Mycnf), &ctx).unwrap();
    r.findings.iter().map(|f| f.id.to_string()).collect()
}

#[test]
fn removed_variables_count_from_the_release_that_removed_them() {
    let qc = "[mysqld]\nquery_cache_size = 0\n";
    // The query cache went in 8.0.3, not before.
    assert!(!mycnf_ids(qc, "8.0.2").contains(&MYCNF_REMOVED.id.to_string()));
    assert!(mycnf_ids(qc, "8.0.3").contains(&MYCNF_REMOVED.id.to_string()));
    assert!(!mycnf_ids(qc, "mariadb 10.11").contains(&MYCNF_REMOVED.id.to_string()));
    // skip-innodb stopped working in 5.7.5.
    let skip = "[mysqld]\nskip-innodb\n";
    assert!(!mycnf_ids(skip, "5.7.4").contains(&MYCNF_SKIP_INNODB.id.to_string()));
    assert!(mycnf_ids(skip, "5.7.5").contains(&MYCNF_SKIP_INNODB.id.to_string()));
}

#[test]
fn a_file_of_exactly_the_limit_is_read_and_one_byte_more_is_refused() {
    let at_limit = "#".repeat(usize::try_from(MAX_TEXT).unwrap());
    let ctx = Context::default();
    let report = check_files(&[("big.conf", &at_limit, Some(Format::Sysctl))], &ctx).unwrap();
    assert_eq!(report.files.len(), 1);
    let over = format!("{at_limit}#");
    assert_eq!(
        check_files(&[("big.conf", &over, Some(Format::Sysctl))], &ctx),
        Err(ValidateError::TooLarge { name: "big.conf".into(), len: MAX_TEXT + 1, max: MAX_TEXT })
    );
}

#[test]
fn has_errors_means_an_error_finding_in_any_file_or_across_files() {
    let ctx = Context::default();
    let clean =
        check_files(&[("a.conf", "fs.file-max = 5\n", Some(Format::Sysctl))], &ctx).unwrap();
    assert!(!clean.has_errors());
    assert!(!clean.files[0].has_errors());
    assert_eq!(clean.all_findings().count(), clean.files[0].findings.len());
    // A syntax error is an error finding of that file.
    let bad = check_files(&[("a.conf", "no equals sign\n", Some(Format::Sysctl))], &ctx).unwrap();
    assert!(bad.files[0].has_errors());
    assert!(bad.has_errors());
    assert!(bad.all_findings().any(|f| f.id == "sysctl.syntax"));
    // Findings in no file that are no errors (AMPS's advice on settings
    // the file leaves out) make no error either.
    let needs = Needs { amps: true, ..Needs::default() };
    let amps = Context { needs: Some(&needs), ..Context::default() };
    let advice =
        check_files(&[("a.conf", "fs.file-max = 6815744\n", Some(Format::Sysctl))], &amps).unwrap();
    assert_eq!(
        advice.findings.iter().map(|f| f.id).collect::<Vec<_>>(),
        ["sysctl.amps.aio_max_nr.recommended", "sysctl.amps.max_map_count.recommended"]
    );
    assert!(!advice.has_errors());
    // A file of no known format is refused, naming it.
    assert!(matches!(
        check_files(&[("a.txt", "hello world\n", None)], &ctx),
        Err(ValidateError::Unrecognised { name }) if name == "a.txt"
    ));
}
