//! Alert rules and their evaluation over the store (to come in the alerts commit).
