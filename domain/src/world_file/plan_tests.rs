use super::*;
use crate::world_file::WorldDocument;

fn world(doc: &WorldDocument) -> World {
    doc.check().expect("a sound document").world
}

#[test]
fn the_same_world_plans_nothing() {
    let doc = crate::world_file::check::tests::document();
    let none = TemplateNames::new();
    assert!(plan(&world(&doc), &none, &world(&doc), &none).is_empty());
    assert!(plan(&world(&doc), &none, &world(&doc), &none).render().starts_with("No changes"));
}

#[test]
fn an_exported_world_applied_again_plans_nothing() {
    let doc = crate::world_file::check::tests::document();
    let stored = world(&doc);
    let exported = WorldDocument::of(&stored, &Default::default());
    assert!(plan(&stored, &TemplateNames::new(), &world(&exported), &TemplateNames::new()).is_empty());
}

#[test]
fn a_plan_names_each_changed_field_with_before_and_after() {
    let doc = crate::world_file::check::tests::document();
    let mut lowered = doc.clone();
    lowered.environments[1].required_approvals = Some(1);
    lowered.tenants[0].name = "Acme".into();
    lowered.regions.push(crate::world_file::RegionEntry { name: "ashburn".into(), display_name: "Ashburn".into() });
    lowered.services.clear();
    let none = TemplateNames::new();
    let plan = plan(&world(&doc), &none, &world(&lowered), &none);
    let lines: Vec<String> = plan
        .items
        .iter()
        .map(|i| match &i.change {
            ObjectChange::Changed { fields } => {
                let f = &fields[0];
                format!("~ {} {} {}: {} -> {} ({} fields)", i.kind, i.name, f.field, f.before, f.after, fields.len())
            }
            ObjectChange::Added { .. } => format!("+ {} {}", i.kind, i.name),
            ObjectChange::Removed => format!("- {} {}", i.kind, i.name),
        })
        .collect();
    assert_eq!(
        lines,
        [
            "~ environment production required_approvals: 2 -> 1 (1 fields)",
            "+ region ashburn",
            "- service api",
            "~ tenant acme name: Acme Corp -> Acme (1 fields)",
        ]
    );
    assert!(plan.render().ends_with("Plan: 1 to add, 2 to change, 1 to remove.\n"), "{}", plan.render());
}
