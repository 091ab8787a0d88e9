{% macro measure_value(value_rule, numerator, denominator) -%}
    {#- How a measure's value follows from its numerator and denominator. -#}
    round(
        case {{ value_rule }}
            when 'percent' then 100.0 * {{ numerator }} / nullif({{ denominator }}, 0)
            when 'per_1000' then 1000.0 * {{ numerator }} / nullif({{ denominator }}, 0)
            when 'ratio' then 1.0 * {{ numerator }} / nullif({{ denominator }}, 0)
            else {{ numerator }}
        end,
        4
    )
{%- endmacro %}
