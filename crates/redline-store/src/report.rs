//! The state of relations per dyad (to come in the report commit).
