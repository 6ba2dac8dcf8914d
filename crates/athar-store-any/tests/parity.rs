//! The two migration folders describe the same schema: the same versions, the same tables, the
//! same columns (read from SQLite's `pragma_table_info` and PostgreSQL's `information_schema`).

use std::collections::{BTreeMap, BTreeSet};

use athar_store_any::AnyStore;

#[test]
fn same_migration_versions() {
    let versions =
        |m: &sqlx::migrate::Migrator| -> Vec<i64> { m.iter().map(|m| m.version).collect() };
    let sqlite = versions(&athar_store_sqlite::MIGRATOR);
    let pg = versions(&athar_store_postgres::MIGRATOR);
    assert!(sqlite.contains(&1));
    assert_eq!(
        sqlite, pg,
        "both backends must have the same migration versions"
    );
}

type Schema = BTreeMap<String, BTreeSet<String>>;

async fn sqlite_schema() -> Schema {
    let f = super::conformance::sqlite().await;
    let AnyStore::Sqlite(s) = &f.store else {
        unreachable!()
    };
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p
         WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE '_sqlx%'",
    )
    .fetch_all(s.pool())
    .await
    .unwrap();
    let mut out = Schema::new();
    for (t, c) in rows {
        out.entry(t).or_default().insert(c);
    }
    out
}

#[tokio::test]
async fn same_tables_and_columns() {
    let sqlite = sqlite_schema().await;
    assert!(sqlite.contains_key("records") && sqlite.contains_key("link_events"));
    let Some(f) = super::conformance::postgres("parity").await else {
        return;
    };
    let AnyStore::Postgres(p) = &f.store else {
        unreachable!()
    };
    let schema = p.schema().unwrap().to_owned();
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT table_name::text, column_name::text FROM information_schema.columns
         WHERE table_schema = $1 AND table_name NOT LIKE '_sqlx%'",
    )
    .bind(&schema)
    .fetch_all(p.pool())
    .await
    .unwrap();
    let mut pg = Schema::new();
    for (t, c) in rows {
        pg.entry(t).or_default().insert(c);
    }
    super::conformance::cleanup(f).await;
    assert_eq!(
        sqlite.keys().collect::<Vec<_>>(),
        pg.keys().collect::<Vec<_>>(),
        "same tables"
    );
    for (table, cols) in &sqlite {
        assert_eq!(Some(cols), pg.get(table), "columns of {table}");
    }
}
