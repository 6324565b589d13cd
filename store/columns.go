package store

import "gorm.io/gorm/schema"

// MissingColumns lists table.column pairs that a row struct uses but the
// migrated schema lacks, so that rows.go and the migrations cannot drift.
func MissingColumns(s *Store) []string {
	var missing []string
	for _, row := range []schema.Tabler{unitRow{}, serviceRow{}, templateRow{}, templateVersionRow{}, surveyRow{},
		responseRow{}, answerRow{}, userRow{}, sessionRow{}, auditRow{}, followUpRow{}, commentStateRow{}, publicationRow{}} {
		stmt := s.db.Model(row).Statement
		if err := stmt.Parse(row); err != nil {
			return append(missing, row.TableName()+": "+err.Error())
		}
		for _, f := range stmt.Schema.Fields {
			if f.DBName != "" && !s.db.Migrator().HasColumn(row.TableName(), f.DBName) {
				missing = append(missing, row.TableName()+"."+f.DBName)
			}
		}
	}
	return missing
}
