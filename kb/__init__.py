"""The knowledge base: loading and validating cards (and, later, search and quiz). Never imports streamlit."""
