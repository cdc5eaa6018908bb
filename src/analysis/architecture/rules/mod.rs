//! The `FL-ARC` rules over an architecture model, one per file.

mod availability_claim_with_single_point;
mod client_accesses_database_directly;
mod deep_sync_call_chain;
mod external_dependency_without_resilience;
mod high_fan_out_without_cache_or_queue;
mod monitoring_without_alerting;
mod no_auth_component;
mod no_backup_or_disaster_recovery;
mod no_distributed_tracing;
mod no_edge_rate_limiting;
mod no_encryption_at_rest;
mod no_health_checks;
mod no_horizontal_scaling;
mod no_observability;
mod no_transport_encryption;
mod queue_without_dead_letter;
mod shared_database_across_services;
mod single_database_without_replica;
mod single_instance_component;
mod stateful_service_without_persistence;
pub(crate) mod support;
mod sync_call_cycle;
mod too_little_to_assess;

use super::ArchModel;
use crate::analysis::rule::Rule;

/// Every rule of the family, sorted by id.
pub fn rules() -> Vec<Box<dyn Rule<ArchModel>>> {
    vec![
        Box::new(single_database_without_replica::SingleDatabaseWithoutReplica),
        Box::new(single_instance_component::SingleInstanceComponent),
        Box::new(no_horizontal_scaling::NoHorizontalScaling),
        Box::new(no_auth_component::NoAuthComponent),
        Box::new(no_observability::NoObservability),
        Box::new(no_distributed_tracing::NoDistributedTracing),
        Box::new(no_backup_or_disaster_recovery::NoBackupOrDisasterRecovery),
        Box::new(deep_sync_call_chain::DeepSyncCallChain),
        Box::new(external_dependency_without_resilience::ExternalDependencyWithoutResilience),
        Box::new(high_fan_out_without_cache_or_queue::HighFanOutWithoutCacheOrQueue),
        Box::new(no_edge_rate_limiting::NoEdgeRateLimiting),
        Box::new(stateful_service_without_persistence::StatefulServiceWithoutPersistence),
        Box::new(no_health_checks::NoHealthChecks),
        Box::new(queue_without_dead_letter::QueueWithoutDeadLetter),
        Box::new(no_transport_encryption::NoTransportEncryption),
        Box::new(no_encryption_at_rest::NoEncryptionAtRest),
        Box::new(shared_database_across_services::SharedDatabaseAcrossServices),
        Box::new(client_accesses_database_directly::ClientAccessesDatabaseDirectly),
        Box::new(availability_claim_with_single_point::AvailabilityClaimWithSinglePoint),
        Box::new(sync_call_cycle::SyncCallCycle),
        Box::new(monitoring_without_alerting::MonitoringWithoutAlerting),
        Box::new(too_little_to_assess::TooLittleToAssess),
    ]
}
