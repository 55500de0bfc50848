//! 60East AMPS sizing, from the AMPS User Guide, chapter 25 "Operation and
//! Deployment" (`shared/sources/001_70ad89a4d522c144.txt`).

pub mod limits;
pub mod memory;
