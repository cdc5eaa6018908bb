//! The `FL-DOC` rules over a Markdown design document, one per file.

mod empty_section;
mod no_alternatives_considered;
mod no_capacity_estimate;
mod no_data_retention_policy;
mod no_decision_record;
mod no_deployment_section;
mod no_document_owner;
mod no_failure_modes_section;
mod no_monitoring_section;
mod no_rollback_plan;
mod no_runbook;
mod no_scaling_section;
mod no_security_section;
mod no_slo_defined;
mod open_question_unresolved;
pub(crate) mod topic;
mod unchecked_checklist_item;
mod unresolved_todo_marker;

use super::MdDoc;
use crate::analysis::rule::Rule;

/// Every rule of the family, sorted by id.
pub fn rules() -> Vec<Box<dyn Rule<MdDoc>>> {
    vec![
        Box::new(no_security_section::NoSecuritySection),
        Box::new(no_scaling_section::NoScalingSection),
        Box::new(no_deployment_section::NoDeploymentSection),
        Box::new(no_monitoring_section::NoMonitoringSection),
        Box::new(no_rollback_plan::NoRollbackPlan),
        Box::new(no_slo_defined::NoSloDefined),
        Box::new(no_data_retention_policy::NoDataRetentionPolicy),
        Box::new(no_capacity_estimate::NoCapacityEstimate),
        Box::new(no_runbook::NoRunbook),
        Box::new(no_failure_modes_section::NoFailureModesSection),
        Box::new(unresolved_todo_marker::UnresolvedTodoMarker),
        Box::new(open_question_unresolved::OpenQuestionUnresolved),
        Box::new(no_document_owner::NoDocumentOwner),
        Box::new(no_decision_record::NoDecisionRecord),
        Box::new(no_alternatives_considered::NoAlternativesConsidered),
        Box::new(empty_section::EmptySection),
        Box::new(unchecked_checklist_item::UncheckedChecklistItem),
    ]
}

/// The hygiene subset that also runs on architecture documents (see the
/// module doc of `markdown`): markers, open questions, empty sections and
/// unchecked checklists.
pub fn rules_for_architecture() -> Vec<Box<dyn Rule<MdDoc>>> {
    let ids = ["FL-DOC-011", "FL-DOC-012", "FL-DOC-016", "FL-DOC-017"];
    rules()
        .into_iter()
        .filter(|r| ids.contains(&r.meta().id))
        .collect()
}
