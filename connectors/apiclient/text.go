package apiclient

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
)

// Text is a JSON string or number kept exactly as written: APIs send the
// same id as a number in one place and a string in another, and a 16–19
// digit id must never pass through float64.
type Text string

func (t *Text) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0 || string(b) == "null":
		return nil
	case b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*t = Text(s)
		return nil
	case b[0] == '-' || (b[0] >= '0' && b[0] <= '9'):
		var n json.Number
		if err := json.Unmarshal(b, &n); err != nil {
			return err
		}
		*t = Text(n)
		return nil
	}
	return &json.UnmarshalTypeError{Value: kindOf(b[0]), Type: textType}
}

func kindOf(c byte) string {
	switch c {
	case '{':
		return "object"
	case '[':
		return "array"
	case 't', 'f':
		return "bool"
	}
	return fmt.Sprintf("%q", c)
}

var textType = reflect.TypeFor[Text]()
