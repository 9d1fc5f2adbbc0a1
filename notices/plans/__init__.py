"""Plan tables as a source: `tables` (files → tables, merged cells expanded), `columns` (header
synonyms), `reading` (tables → categories, problems, measures; no database), `importer`
(names matched in the organisation, preview, all-or-nothing write through cases.tree)."""
