// Package csvio reads the small CSV tables of spec files (connection lists,
// spike times): a header naming the columns, then numbers, '#' comments.
package csvio
