"""The only Streamlit code outside pages/: cached engine, current user, t(), shared widgets."""
