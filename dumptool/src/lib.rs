//! dumptool's library: everything the binary does that is worth testing on
//! its own. The binary (`main.rs`) owns arguments, output and exit codes.
