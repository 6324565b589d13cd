// Vite empties dist/ before building; dist/.keep is committed so that the
// Go package frontend (//go:embed all:dist) compiles before npm has run.
import { writeFileSync } from 'node:fs'
writeFileSync(new URL('../dist/.keep', import.meta.url), '')
