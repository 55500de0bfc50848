//! Config files pasted into the page and checked against the plan.

use crate::browser;

/// The MagLev system.conf as the installer wrote it, and the cache monitor
/// log excerpt, from "Maglev on AWS t1.micro" (shared/sources/000_...txt).
const SYSTEM_CONF: &str = "# MagLev system.conf\nDBF_EXTENT_NAMES = $MAGLEV_DATA/extent0.ruby.dbf;\nSHR_PAGE_CACHE_SIZE_KB = 1000000;\n";
const PCMON_LOG: &str = r#" _____________________________________________________________________________
|   GEMSTONE_GLOBAL_DIR = /usr/local/rvm/rubies/maglev-head                   |
|_____________________________________________________________________________|
|   GemStone could not retrieve the IPC identifier associated with the memory |
|   key 1778474068.  shmget() error = errno=22,EINVAL, Invalid argument (programmer
| error).                                                                     |
|                                                                             |
  GemStone could not attach to the shared page cache.

  [SpcMon trace]: ... cache creation failed ...
  [SpcMon trace]: ... if the errno is (EINVAL) it is likely because the
                      cache size is less than the operating system imposed
                      minimum or greater than the operating system maximum.
"#;

/// Pasting the t1.micro system.conf and its log shows the EINVAL finding,
/// its fix, and the offending line highlighted.
#[test]
fn t1_micro_system_conf_and_log_show_einval() {
    let Some(page) = browser::open("/") else { return };
    page.type_into("#host-ram", "613 MB");
    for (name, text) in [("system.conf", SYSTEM_CONF), ("maglev_8207pcmon.log", PCMON_LOG)] {
        page.paste_into("#config-name", name);
        page.paste_into("#config-text", text);
        page.click("#config-check");
    }
    let conf = page.text("#config-0");
    assert!(conf.contains("EINVAL"), "{conf}");
    assert!(conf.contains("SHR_PAGE_CACHE_SIZE_KB"), "{conf}");
    // The setting's line is marked, under its number as shown.
    let flagged = page.text("#config-0 .line.flagged");
    assert!(flagged.contains("SHR_PAGE_CACHE_SIZE_KB"), "{flagged}");
    assert_eq!(page.text("#config-0 .line.flagged .no"), "3");
    let log = page.text("#config-1");
    assert!(log.contains("EINVAL"), "{log}");
    assert!(page.exists("#config-1 .finding .fix"), "{log}");
    page.screenshot("config-t1-micro");
}

/// A dropped file and a pasted one each get a card with a numbered listing;
/// removing one keeps the other.
#[test]
fn dropped_and_pasted_files_are_listed() {
    let Some(page) = browser::open("/") else { return };
    page.eval(
        "(() => { const dt = new DataTransfer(); \
         dt.items.add(new File(['fs.file-max = 1100000\\nnet.ipv4.tcp_fin_timeout = 12\\n'], 'sysctl.conf')); \
         document.querySelector('.dropzone').dispatchEvent(new DragEvent('drop', {dataTransfer: dt, bubbles: true, cancelable: true})); })()",
    );
    assert!(page.wait_for("#config-0"), "the dropped file is listed");
    assert_eq!(page.text("#config-0-title"), "sysctl.conf");
    assert_eq!(page.text("#config-0 .line[data-line='2'] .no"), "2");
    page.paste_into("#config-name", "limits.conf");
    page.paste_into("#config-text", "* soft nofile 1048576\n* hard nofile 1048576\n");
    page.click("#config-check");
    assert!(page.wait_for("#config-1"));
    assert_eq!(page.text("#config-1-title"), "limits.conf");
    assert_eq!(page.value("#config-text"), "", "the paste box is cleared for the next file");
    page.click("button[aria-label='Remove sysctl.conf']");
    assert_eq!(page.text("#config-0-title"), "limits.conf");
    assert!(!page.exists("#config-1"));
}
